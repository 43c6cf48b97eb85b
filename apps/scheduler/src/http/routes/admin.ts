import { Hono } from 'hono';
import type { Janitor } from '../../janitor.js';

/** Operator actions. `POST /api/admin/cleanup` runs the clean-up sweep now instead of at its next turn. */
export function adminRoutes(janitor: Janitor): Hono {
  const app = new Hono();
  app.post('/cleanup', async (c) => c.json(await janitor.sweep()));
  return app;
}
