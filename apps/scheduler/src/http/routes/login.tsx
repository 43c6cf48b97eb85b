import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { SESSION_COOKIE, type Access } from '../auth.js';
import { Page, pageHeaders } from './page.js';

/** Only same-site paths, so the login page cannot be used to send people elsewhere. */
const safeNext = (next: string | undefined): string => (next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/dashboard');

function LoginPage({ next, failed }: { next: string; failed: boolean }) {
  return (
    <Page title="Sign in · DRaaS" inlineStyle>
      <main class="login">
        <form class="card login-card" method="post" action={`/login?next=${encodeURIComponent(next)}`}>
          <h1 class="brand">
            <span class="brand-mark" aria-hidden="true"></span>DRaaS
          </h1>
          <p class="muted">Sign in to the dashboard and the queue board.</p>
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus aria-describedby="token-hint" />
          {failed ? (
            <p class="form-error" role="alert">
              That token is not valid. Check it and try again.
            </p>
          ) : null}
          <button class="btn primary wide" type="submit">
            Sign in
          </button>
          <p id="token-hint" class="hint">
            The admin token is <code>DRAAS_TOKEN</code>, or the file <code>.draas/token</code> that <code>npm start</code> writes; a
            read-only token (<code>DRAAS_READ_TOKENS</code>) can look but not change anything.
          </p>
        </form>
      </main>
    </Page>
  );
}

export function loginRoutes(access: Access): Hono {
  const app = new Hono();
  app.get('/login', (c) => {
    pageHeaders(c, { inlineStyle: true });
    return c.html(<LoginPage next={safeNext(c.req.query('next'))} failed={Boolean(c.req.query('failed'))} />);
  });
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const given = typeof form.token === 'string' ? form.token : '';
    const next = safeNext(c.req.query('next'));
    if (access.roleOf(given) === null) return c.redirect(`/login?failed=1&next=${encodeURIComponent(next)}`, 303);
    setCookie(c, SESSION_COOKIE, given, { httpOnly: true, sameSite: 'Strict', path: '/', secure: new URL(c.req.url).protocol === 'https:', maxAge: 7 * 24 * 3600 });
    return c.redirect(next, 303);
  });
  return app;
}
