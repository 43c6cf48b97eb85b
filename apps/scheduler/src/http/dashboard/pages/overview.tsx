import type { AgentView, AppView, DeploymentView } from '@draas/queue-contracts';
import { BULL_BOARD_PATH } from '../../bull-board.js';
import { AgentsEmpty, AgentsTable } from '../components/agents-table.js';
import { AppsEmpty, AppsTable } from '../components/apps-table.js';
import { DeploymentsEmpty, DeploymentsTable } from '../components/deployments-table.js';
import { Layout } from '../components/layout.js';
import { Monitor } from '../components/monitor.js';
import { Summary } from '../components/summary.js';

export interface OverviewProps {
  agents: readonly AgentView[];
  deployments: readonly DeploymentView[];
  apps: readonly AppView[];
  /** When the page was rendered (ms): the page's scripts measure ages on the server's clock. */
  now: number;
}

export function OverviewPage({ agents, deployments, apps, now }: OverviewProps) {
  return (
    <Layout title="Overview" section="overview" scripts={['parts.js', 'overview.js']} data={{ page: 'overview' }} now={now}>
      <div class="page-head">
        <h1>Overview</h1>
        <div class="page-actions">
          <a class="btn" href={BULL_BOARD_PATH}>
            Queues (Bull Board)
          </a>
          <a class="btn primary" href="/dashboard/new">
            New deployment
          </a>
        </div>
      </div>
      <Summary agents={agents} deployments={deployments} />
      <section class="card" aria-labelledby="apps-title">
        <div class="card-head">
          <h2 id="apps-title">Apps</h2>
          <span class="hint">One address each; live as versions roll out</span>
        </div>
        <AppsTable apps={apps} />
        <AppsEmpty count={apps.length} />
      </section>
      <section class="card" aria-labelledby="agents-title">
        <div class="card-head">
          <h2 id="agents-title">Agents</h2>
          <span class="hint">Live from heartbeats</span>
        </div>
        <AgentsTable agents={agents} />
        <AgentsEmpty count={agents.length} />
      </section>
      <section class="card" aria-labelledby="deployments-title">
        <div class="card-head">
          <h2 id="deployments-title">Deployments</h2>
          <span class="hint">Newest first</span>
        </div>
        <DeploymentsTable deployments={deployments} />
        <DeploymentsEmpty count={deployments.length} />
      </section>
      <Monitor />
    </Layout>
  );
}
