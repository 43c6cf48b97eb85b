import type { AgentView, DeploymentView } from '@draas/queue-contracts';
import { BULL_BOARD_PATH } from '../../bull-board.js';
import { AgentsTable } from '../components/agents-table.js';
import { DeploymentsTable } from '../components/deployments-table.js';
import { Layout } from '../components/layout.js';
import { Monitor } from '../components/monitor.js';

export interface OverviewProps {
  agents: readonly AgentView[];
  deployments: readonly DeploymentView[];
  now: number;
}

function Summary({ agents, deployments }: Omit<OverviewProps, 'now'>) {
  const online = agents.filter((a) => a.state === 'online').length;
  const running = deployments.filter((d) => d.status === 'running').length;
  const failed = deployments.filter((d) => d.status === 'failed').length;
  return (
    <dl class="stats" id="stats">
      <div>
        <dt>Agents online</dt>
        <dd id="stat-agents">{`${online} / ${agents.length}`}</dd>
      </div>
      <div>
        <dt>Running</dt>
        <dd id="stat-running">{running}</dd>
      </div>
      <div>
        <dt>Failed</dt>
        <dd id="stat-failed">{failed}</dd>
      </div>
      <div>
        <dt>Deployments</dt>
        <dd id="stat-deployments">{deployments.length}</dd>
      </div>
    </dl>
  );
}

export function OverviewPage({ agents, deployments, now }: OverviewProps) {
  return (
    <Layout title="Overview" section="overview" scripts={['overview.js']} data={{ page: 'overview' }}>
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
      <section class="card" aria-labelledby="agents-title">
        <div class="card-head">
          <h2 id="agents-title">Agents</h2>
          <span class="hint">Live from heartbeats</span>
        </div>
        <AgentsTable agents={agents} now={now} />
        <p class="empty" id="agents-empty" hidden={agents.length > 0}>
          No agent has joined yet. Start one with <code>npm run agent</code> pointed at the same Redis.
        </p>
      </section>
      <section class="card" aria-labelledby="deployments-title">
        <div class="card-head">
          <h2 id="deployments-title">Deployments</h2>
          <span class="hint">Newest first</span>
        </div>
        <DeploymentsTable deployments={deployments} now={now} />
        <p class="empty" id="deployments-empty" hidden={deployments.length > 0}>
          Nothing deployed yet. <a href="/dashboard/new">Deploy a ZIP or an image</a>.
        </p>
      </section>
      <Monitor />
    </Layout>
  );
}
