import type { AgentView, DeploymentView } from '@draas/queue-contracts';

// The overview's counts, in two halves: a fragment of agent rows carries the agents' count, one of
// deployment rows the deployments' counts, so that each stays in step with its rows.

function Stat({ id, label, value }: { id: string; label: string; value: string | number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd id={id}>{value}</dd>
    </div>
  );
}

export function AgentStats({ agents }: { agents: readonly AgentView[] }) {
  const online = agents.filter((a) => a.state === 'online').length;
  return <Stat id="stat-agents" label="Agents online" value={`${online} / ${agents.length}`} />;
}

export function DeploymentStats({ deployments }: { deployments: readonly DeploymentView[] }) {
  const count = (status: DeploymentView['status']) => deployments.filter((d) => d.status === status).length;
  return (
    <>
      <Stat id="stat-running" label="Running" value={count('running')} />
      <Stat id="stat-failed" label="Failed" value={count('failed')} />
      <Stat id="stat-deployments" label="Deployments" value={deployments.length} />
    </>
  );
}

export function Summary({ agents, deployments }: { agents: readonly AgentView[]; deployments: readonly DeploymentView[] }) {
  return (
    <dl class="stats" id="stats">
      <AgentStats agents={agents} />
      <DeploymentStats deployments={deployments} />
    </dl>
  );
}
