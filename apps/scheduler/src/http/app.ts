import { Hono } from 'hono';
import type { SchedulerContext } from '../context.js';
import type { CancelOptions } from '../deployments/cancel.js';
import { NotFound } from '../errors/index.js';
import type { PubSubHub } from '../store/pubsub.js';
import { requireToken } from './auth.js';
import { BULL_BOARD_PATH, type BullBoard } from './bull-board.js';
import { errorResponse } from './errors.js';
import { agentRoutes } from './routes/agents.js';
import { compatRoutes } from './routes/compat.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { deploymentRoutes } from './routes/deployments.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { logRoutes } from './routes/logs.js';
import { loginRoutes } from './routes/login.js';

export interface AppDeps {
  ctx: SchedulerContext;
  bullBoard: BullBoard;
  hub: PubSubHub;
  token: string;
  cancel: CancelOptions;
  /** How long the original's /upload_code waits for the deployment to run before answering. */
  compatWaitMs: number;
}

/** The scheduler's HTTP surface. Testable without a socket: `createApp(deps).request(...)`. */
export function createApp({ ctx, bullBoard, hub, token, cancel, compatWaitMs }: AppDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => errorResponse(err, c, ctx.logger));
  app.notFound((c) => errorResponse(new NotFound(`no route ${c.req.method} ${c.req.path}`), c, ctx.logger));
  app.route('/', healthRoutes(ctx));
  app.use('*', requireToken({ token }));
  app.route('/', loginRoutes(token));
  app.route('/api/deployments', deploymentRoutes(ctx, cancel));
  app.route('/api/deployments', logRoutes(ctx, hub));
  app.route('/api/agents', agentRoutes(ctx));
  app.route('/api/events', eventRoutes(ctx, hub));
  app.route('/', compatRoutes(ctx, hub, cancel, compatWaitMs));
  app.route('/', dashboardRoutes(ctx));
  app.route(BULL_BOARD_PATH, bullBoard.app);
  app.get('/', (c) => c.redirect('/dashboard'));
  return app;
}
