import { Hono } from 'hono';
import type { SchedulerContext } from '../context.js';
import type { CancelOptions } from '../deployments/cancel.js';
import { NotFound } from '../errors.js';
import type { PubSubHub } from '../store/pubsub.js';
import { requireToken, type Access } from './auth.js';
import { BULL_BOARD_PATH, type BullBoard } from './bull-board.js';
import { errorResponse } from './errors.js';
import type { Janitor } from '../janitor.js';
import type { ImageCache } from '../images/image-cache.js';
import { adminRoutes } from './routes/admin.js';
import { agentRoutes } from './routes/agents.js';
import { appRoutes } from './routes/apps.js';
import { compatRoutes } from './routes/compat.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { deploymentRoutes } from './routes/deployments.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { imageRoutes } from './routes/images.js';
import { logRoutes } from './routes/logs.js';
import { loginRoutes } from './routes/login.js';

export interface AppDeps {
  ctx: SchedulerContext;
  bullBoard: BullBoard;
  janitor: Janitor;
  hub: PubSubHub;
  access: Access;
  cancel: CancelOptions;
  /** Images saved for agents (GET /api/images/:id). */
  images: ImageCache;
  /** How long the original's /upload_code waits for the deployment to run before answering. */
  compatWaitMs: number;
  /** Runs an apps pass now and configures the routers (after an app is destroyed). */
  routersUpdated: () => Promise<void>;
}

/** The scheduler's HTTP surface. Testable without a socket: `createApp(deps).request(...)`. */
export function createApp({ ctx, bullBoard, janitor, hub, access, cancel, compatWaitMs, images, routersUpdated }: AppDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => errorResponse(err, c, ctx.logger));
  app.notFound((c) => errorResponse(new NotFound(`no route ${c.req.method} ${c.req.path}`), c, ctx.logger));
  app.route('/', healthRoutes(ctx));
  // Its own check: agents present a token good for one image, not the API token.
  app.route('/api/images', imageRoutes(ctx.imageTokens, images, access));
  app.use('*', requireToken({ access }));
  app.route('/', loginRoutes(access));
  app.route('/api/deployments', deploymentRoutes(ctx, cancel));
  app.route('/api/deployments', logRoutes(ctx, hub));
  app.route('/api/apps', appRoutes(ctx, cancel, routersUpdated));
  app.route('/api/agents', agentRoutes(ctx));
  app.route('/api/events', eventRoutes(ctx, hub));
  app.route('/api/admin', adminRoutes(janitor));
  app.route('/', compatRoutes(ctx, hub, cancel, compatWaitMs));
  app.route('/', dashboardRoutes(ctx));
  app.route(BULL_BOARD_PATH, bullBoard.app);
  app.get('/', (c) => c.redirect('/dashboard'));
  return app;
}
