import type { AgentView } from '@draas/queue-contracts';
import type { CommandContext } from '../context.js';
import type { Colors } from '../output/colors.js';
import { formatAge, formatBytes, paintStatus } from '../output/format.js';
import { formatTable } from '../output/table.js';

// `draas agents`: the machines of the pool, as their last heartbeat described them.

export async function agentsCommand(options: { json?: boolean }, ctx: CommandContext): Promise<number> {
  const agents = await ctx.api.listAgents(ctx.signal);
  const { out } = ctx;
  if (options.json) out.json(agents);
  else if (agents.length === 0) out.err('no agents have registered; start one with: npm run agent');
  else out.out(agentsTable(agents, out.colors, ctx.now()));
  return 0;
}

export function agentsTable(agents: readonly AgentView[], colors: Colors, now: number): string {
  const rows = agents.map((a) => {
    const { memoryTotalBytes, memoryAvailableBytes, cpuPercent } = a.resources;
    const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`);
    return [
      a.agentId,
      paintStatus(a.state, colors),
      a.address,
      labels.length ? labels.join(',') : '-',
      `${cpuPercent.toFixed(0)}%`,
      `${formatBytes(memoryTotalBytes - memoryAvailableBytes)}/${formatBytes(memoryTotalBytes)}`,
      `${a.runningInstances}/${a.capacity.maxInstances}`,
      healthAddress(a),
      `${formatAge(a.lastSeen, now)} ago`,
    ];
  });
  return formatTable(['id', 'state', 'address', 'labels', 'cpu', 'memory', 'running', 'health', 'last seen'], rows);
}

/** Where the agent's GET /healthz answers (`host:port`); `-` when it has none, or is too old to say. */
function healthAddress(a: AgentView): string {
  if (a.healthPort === undefined || a.healthPort === null) return '-';
  // Listening on every address (0.0.0.0, as in Compose): reach it where the agent is.
  const host = a.healthHost === undefined || a.healthHost === '0.0.0.0' || a.healthHost === '::' ? a.address : a.healthHost;
  return host.includes(':') ? `[${host}]:${a.healthPort}` : `${host}:${a.healthPort}`;
}
