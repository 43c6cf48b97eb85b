import { Hono, type Context } from 'hono';
import { AgentsBody, AgentsEmpty } from './components/agents-table.js';
import { appTitle } from './components/app-head.js';
import { AppsBody, AppsEmpty } from './components/apps-table.js';
import { deploymentTitle } from './components/deployment-head.js';
import { DeploymentsBody, DeploymentsEmpty } from './components/deployments-table.js';
import { pageTitle } from './components/layout.js';
import { AgentStats, DeploymentStats } from './components/summary.js';
import { LIST_LIMIT, type DashboardData } from './data.js';
import { AppParts, LogSource } from './pages/app.js';
import { DeploymentParts } from './pages/deployment.js';

// The live pages' parts, rendered by the same components as the pages, for the pages' scripts to
// swap in when an event says something changed (assets/parts.js): the browser renders nothing
// itself. Each part is an element with an id that the page has too; a <dl> or <table> around a part
// is only there so that it parses where it is (a <tr> needs its table).
//
//   GET /dashboard/fragments/agents[?id=a&id=b]        agents' count, empty note, rows (all, or those)
//   GET /dashboard/fragments/deployments[?id=x&id=y]   the same for the overview's deployments
//   GET /dashboard/fragments/deployments/:id           the deployment page's parts and title; 404 if unknown
//   GET /dashboard/fragments/apps[?name=a&name=b]      the overview's apps: empty note, rows (all, or those)
//   GET /dashboard/fragments/apps/:name                the app page's parts and title; 404 if unknown
//
// A row body names every listed id in order (`data-ids`) even when it carries only a few rows, so
// the page knows what to drop, where to put a new row, and which rows it still lacks. An asked-for id
// that is not listed is simply absent: the page drops its row.

/** `?id=a&id=b` (or another `param`): only these rows; none: all of them. */
function only<T>(c: Context, all: readonly T[], idOf: (item: T) => string, param = 'id'): readonly T[] {
  const ids = c.req.queries(param);
  if (!ids) return all;
  const wanted = new Set(ids);
  return all.filter((item) => wanted.has(idOf(item)));
}

export function fragmentRoutes(data: DashboardData): Hono {
  const app = new Hono();

  app.get('/agents', async (c) => {
    const agents = await data.agents();
    return c.html(
      <>
        <dl>
          <AgentStats agents={agents} />
        </dl>
        <AgentsEmpty count={agents.length} />
        <table>
          <AgentsBody agents={agents} rows={only(c, agents, (a) => a.agentId)} />
        </table>
      </>,
    );
  });

  app.get('/deployments', async (c) => {
    const deployments = await data.deployments(LIST_LIMIT);
    return c.html(
      <>
        <dl>
          <DeploymentStats deployments={deployments} />
        </dl>
        <DeploymentsEmpty count={deployments.length} />
        <table>
          <DeploymentsBody deployments={deployments} rows={only(c, deployments, (d) => d.id)} />
        </table>
      </>,
    );
  });

  app.get('/deployments/:id', async (c) => {
    const deployment = await data.deployment(c.req.param('id'));
    if (!deployment) return c.text(`There is no deployment ${c.req.param('id').slice(0, 80)}.`, 404);
    const timeline = await data.timeline(deployment.id);
    return c.html(
      <>
        <title>{pageTitle(deploymentTitle(deployment))}</title>
        <DeploymentParts deployment={deployment} timeline={timeline} />
      </>,
    );
  });

  app.get('/apps', async (c) => {
    const apps = await data.apps();
    return c.html(
      <>
        <AppsEmpty count={apps.length} />
        <table>
          <AppsBody apps={apps} rows={only(c, apps, (a) => a.name, 'name')} />
        </table>
      </>,
    );
  });

  app.get('/apps/:name', async (c) => {
    const view = await data.app(c.req.param('name'));
    if (!view) return c.text(`There is no app ${c.req.param('name').slice(0, 80)}.`, 404);
    return c.html(
      <>
        <title>{pageTitle(appTitle(view))}</title>
        <AppParts app={view} />
        <LogSource app={view} />
      </>,
    );
  });

  return app;
}
