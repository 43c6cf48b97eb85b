import { Layout } from '../components/layout.js';

/** A friendly 404 for a malformed or unknown deployment id, or any other dashboard path. */
export function NotFoundPage({ message }: { message: string }) {
  return (
    <Layout title="Not found" section="none">
      <section class="card notice" aria-labelledby="nf-title">
        <h1 id="nf-title">Not found</h1>
        <p>{message}</p>
        <p>
          <a class="btn primary" href="/dashboard">
            Back to the overview
          </a>
        </p>
      </section>
    </Layout>
  );
}
