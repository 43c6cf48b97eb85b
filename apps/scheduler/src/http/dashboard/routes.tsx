import { Hono, type MiddlewareHandler } from 'hono';
import type { SchedulerContext } from '../../context.js';
import { pageHeaders } from '../routes/page.js';
import { assetRoutes } from './assets.js';
import { contextData, LIST_LIMIT, type DashboardData } from './data.js';
import { fragmentRoutes } from './fragments.js';
import { AppPage } from './pages/app.js';
import { DeploymentPage } from './pages/deployment.js';
import { NewDeploymentPage } from './pages/new.js';
import { NotFoundPage } from './pages/not-found.js';
import { OverviewPage } from './pages/overview.js';

// The dashboard: pages rendered on the server (JSX escapes every string), and the same components'
// parts under /dashboard/fragments (fragments.tsx), which a few plain scripts swap in when the API's
// SSE streams say something changed. The server is the only renderer; the scripts fetch and swap.
// The app's token middleware guards all of it, assets included.

/** The pages over any data source (the scheduler's stores in production; plain views in a test). */
export function dashboardApp(data: DashboardData): Hono {
  const app = new Hono();
  app.route('/', assetRoutes());
  const headers: MiddlewareHandler = async function pageSecurityHeaders(c, next) {
    pageHeaders(c);
    await next();
  };
  app.use('/dashboard', headers);
  app.use('/dashboard/*', headers);

  app.get('/dashboard', async (c) => {
    const [agents, deployments, apps] = await Promise.all([data.agents(), data.deployments(LIST_LIMIT), data.apps()]);
    return c.html(<OverviewPage agents={agents} deployments={deployments} apps={apps} now={Date.now()} />);
  });

  app.get('/dashboard/new', (c) => c.html(<NewDeploymentPage />));

  app.get('/dashboard/deployments/:id', async (c) => {
    const id = c.req.param('id');
    const deployment = await data.deployment(id);
    if (!deployment) {
      const message = /^[a-z0-9]{12}$/.test(id)
        ? `There is no deployment ${id}. It may have been removed, or the link is from another DRaaS.`
        : `"${id.slice(0, 80)}" is not a deployment id: an id is 12 lowercase letters or digits.`;
      return c.html(<NotFoundPage message={message} />, 404);
    }
    const timeline = await data.timeline(deployment.id);
    return c.html(<DeploymentPage deployment={deployment} timeline={timeline} now={Date.now()} />);
  });

  app.get('/dashboard/apps/:name', async (c) => {
    const name = c.req.param('name');
    const view = await data.app(name);
    if (!view) {
      const message = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)
        ? `There is no app ${name}. It may have been destroyed, or the link is from another DRaaS.`
        : `"${name.slice(0, 80)}" is not an app name: a name is lowercase letters, digits and dashes.`;
      return c.html(<NotFoundPage message={message} />, 404);
    }
    return c.html(<AppPage app={view} now={Date.now()} />);
  });

  app.route('/dashboard/fragments', fragmentRoutes(data));

  app.get('/dashboard/*', (c) => c.html(<NotFoundPage message={`There is no dashboard page at ${c.req.path.slice(0, 120)}.`} />, 404));
  return app;
}

export const dashboardRoutes = (ctx: SchedulerContext): Hono => dashboardApp(contextData(ctx));
