import type { AgentView } from '@draas/queue-contracts';
import { formatBytes, percent } from '../format.js';
import { Age, Badge } from './badge.js';

/** A usage gauge: <meter> carries the value (and its own accessible name), the text says it in words. */
export function Gauge({ value, label, text }: { value: number; label: string; text: string }) {
  return (
    <div class="gauge">
      <meter min={0} max={100} low={60} high={85} optimum={0} value={Math.round(value)} aria-label={label} />
      <span class="gauge-text">{text}</span>
    </div>
  );
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <span class="chips">
      {entries.map(([k, v]) => (
        <span class="chip">{`${k}=${v}`}</span>
      ))}
    </span>
  );
}

/** An online agent silent this long (three beats and a second) is about to be declared offline: shown as stale. */
const staleAfterMs = (a: AgentView): number | undefined => (a.state === 'online' ? 3 * a.heartbeatMs + 1000 : undefined);

export function AgentRow({ agent: a }: { agent: AgentView }) {
  const r = a.resources;
  const memUsed = r.memoryTotalBytes - r.memoryAvailableBytes;
  return (
    <tr data-id={a.agentId}>
      <td data-label="Agent">
        <span class="mono strong">{a.agentId}</span>
        <div class="sub">{`agent ${a.versions.agent} · docker ${a.versions.docker}`}</div>
      </td>
      <td data-label="State">
        <Badge status={a.state} />
      </td>
      <td data-label="Address" class="mono">
        {a.address}
      </td>
      <td data-label="Labels">
        <Labels labels={a.labels} />
      </td>
      <td data-label="CPU">
        <Gauge value={r.cpuPercent} label={`CPU of ${a.agentId}`} text={`${r.cpuPercent.toFixed(0)}% of ${r.cpus} cores`} />
      </td>
      <td data-label="Memory">
        <Gauge value={percent(memUsed, r.memoryTotalBytes)} label={`Memory of ${a.agentId}`} text={`${formatBytes(memUsed)} of ${formatBytes(r.memoryTotalBytes)}`} />
      </td>
      <td data-label="Running" class="num">
        {`${a.runningInstances} / ${a.capacity.maxInstances}`}
      </td>
      <td data-label="Last seen">
        <Age iso={a.lastSeen} staleMs={staleAfterMs(a)} />
      </td>
    </tr>
  );
}

/**
 * The rows of `rows` (default: all), in a body that names every agent in order (`data-ids`): the
 * overview's script merges a batch of rows by that list (assets/parts.js).
 */
export function AgentsBody({ agents, rows = agents }: { agents: readonly AgentView[]; rows?: readonly AgentView[] }) {
  return (
    <tbody id="agents-body" data-ids={agents.map((a) => a.agentId).join(' ')}>
      {rows.map((a) => (
        <AgentRow agent={a} />
      ))}
    </tbody>
  );
}

export function AgentsEmpty({ count }: { count: number }) {
  return (
    <p class="empty" id="agents-empty" hidden={count > 0}>
      No agent has joined yet. Start one with <code>npm run agent</code> pointed at the same Redis.
    </p>
  );
}

export function AgentsTable({ agents }: { agents: readonly AgentView[] }) {
  return (
    <table class="grid" id="agentsTable">
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">State</th>
          <th scope="col">Address</th>
          <th scope="col">Labels</th>
          <th scope="col">CPU</th>
          <th scope="col">Memory</th>
          <th scope="col" class="num">Running</th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <AgentsBody agents={agents} />
    </table>
  );
}
