import { Layout } from '../components/layout.js';
import { NewDeploymentForm } from '../components/new-form.js';

/** What happens after "Deploy", and the same from a terminal. */
function NextSteps() {
  return (
    <aside class="card steps" aria-labelledby="steps-title">
      <h2 id="steps-title">What happens next</h2>
      <ol>
        <li>The upload is checked: a real ZIP, a Dockerfile, sane sizes. A problem is shown here, and nothing is queued.</li>
        <li>You land on the deployment's page, where the build log streams as it runs.</li>
        <li>The image is placed on agents that fit its memory, CPU and constraints.</li>
        <li>Each instance gets its URL there, on its agent's address.</li>
      </ol>
      <p class="hint">From a terminal:</p>
      <pre class="cli">npx draas deploy ./my-app --env GREETING=hi --port 8080 --replicas 2</pre>
    </aside>
  );
}

export function NewDeploymentPage() {
  return (
    <Layout title="New deployment" section="new" scripts={['new-deployment.js']} data={{ page: 'new' }}>
      <div class="page-head">
        <h1>New deployment</h1>
      </div>
      <div class="new-layout">
        <NewDeploymentForm />
        <NextSteps />
      </div>
    </Layout>
  );
}
