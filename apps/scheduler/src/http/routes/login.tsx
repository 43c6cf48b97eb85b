import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { SESSION_COOKIE, tokenMatches } from '../auth.js';
import { Page } from './page.js';

/** Only same-site paths, so the login page cannot be used to send people elsewhere. */
const safeNext = (next: string | undefined): string => (next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/dashboard');

export function loginRoutes(token: string): Hono {
  const app = new Hono();
  app.get('/login', (c) =>
    c.html(
      <Page title="DRaaS · sign in">
        <main class="narrow">
          <h1>DRaaS</h1>
          <form method="post" action={`/login?next=${encodeURIComponent(safeNext(c.req.query('next')))}`}>
            <label for="token">Token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
            {c.req.query('failed') ? <p class="error">That token is not valid.</p> : null}
            <button type="submit">Sign in</button>
          </form>
          <p class="hint">The token is DRAAS_TOKEN, or the file .draas/token that npm start writes.</p>
        </main>
      </Page>,
    ),
  );
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const given = typeof form.token === 'string' ? form.token : '';
    const next = safeNext(c.req.query('next'));
    if (!tokenMatches(given, token)) return c.redirect(`/login?failed=1&next=${encodeURIComponent(next)}`, 303);
    setCookie(c, SESSION_COOKIE, given, { httpOnly: true, sameSite: 'Strict', path: '/', secure: new URL(c.req.url).protocol === 'https:', maxAge: 7 * 24 * 3600 });
    return c.redirect(next, 303);
  });
  return app;
}
