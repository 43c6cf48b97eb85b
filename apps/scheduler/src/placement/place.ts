import { formatMemory, type Constraint, type PlacementStrategy } from '@draas/queue-contracts';
import type { AgentSnapshot } from '../cluster/state.js';

// Placement is a pure function of (request, agent snapshots), as in Nomad: small feasibility checks,
// then a score. The caller commits the plan atomically against the latest usage and retries on conflict.

export interface PlacementRequest {
  memoryBytes: number;
  milliCpus: number;
  constraints: readonly Constraint[];
  strategy: PlacementStrategy;
  /** Instance indexes to place. */
  indexes: readonly number[];
  /** Agents already running other instances of this deployment, so replicas spread over distinct agents. */
  existingAgents: readonly string[];
}

export interface PlacementPlan {
  assignments: { index: number; agentId: string }[];
  unplaced: number[];
  /** Why nothing fits, for the user; null when every instance is placed. */
  reason: string | null;
}

interface Check {
  name: string;
  fits(agent: AgentSnapshot, req: PlacementRequest): boolean;
}

const matchesConstraints = (agent: AgentSnapshot, constraints: readonly Constraint[]): boolean =>
  constraints.every((c) => agent.labels[c.key] === c.value);

const checks: readonly Check[] = [
  { name: 'offline', fits: (a) => a.online },
  { name: 'labels', fits: (a, r) => matchesConstraints(a, r.constraints) },
  {
    name: 'memory',
    fits: (a, r) => a.capacity.memoryBytes - a.usage.memoryBytes >= r.memoryBytes && a.memoryAvailableBytes >= r.memoryBytes,
  },
  { name: 'cpu', fits: (a, r) => a.capacity.milliCpus - a.usage.milliCpus >= r.milliCpus },
  { name: 'slots', fits: (a) => a.usage.instances < a.capacity.maxInstances },
];

export const feasible = (agent: AgentSnapshot, req: PlacementRequest): boolean => checks.every((c) => c.fits(agent, req));

/** Share of the agent's memory and CPU in use, 0..1 (the larger of the two). */
const load = (a: AgentSnapshot): number =>
  Math.max(
    a.capacity.memoryBytes ? a.usage.memoryBytes / a.capacity.memoryBytes : 1,
    a.capacity.milliCpus ? a.usage.milliCpus / a.capacity.milliCpus : 1,
  );

/** Lower is better. spread: the least loaded agent; binpack: the most loaded agent that still fits. */
function score(a: AgentSnapshot, strategy: PlacementStrategy): number {
  return strategy === 'spread' ? load(a) : -load(a);
}

function pick(candidates: AgentSnapshot[], sameDeployment: Map<string, number>, strategy: PlacementStrategy): AgentSnapshot {
  // Fewest instances of this deployment first (distinct agents when possible), then the strategy's
  // score, then the id so that equal agents give a stable plan.
  return candidates.reduce((best, a) => {
    const byDeployment = (sameDeployment.get(a.id) ?? 0) - (sameDeployment.get(best.id) ?? 0);
    if (byDeployment !== 0) return byDeployment < 0 ? a : best;
    const byScore = score(a, strategy) - score(best, strategy);
    if (Math.abs(byScore) > 1e-9) return byScore < 0 ? a : best;
    const byCount = (a.usage.instances - best.usage.instances) * (strategy === 'spread' ? 1 : -1);
    if (byCount !== 0) return byCount < 0 ? a : best;
    return a.id < best.id ? a : best;
  });
}

export function place(req: PlacementRequest, snapshots: readonly AgentSnapshot[]): PlacementPlan {
  const agents = snapshots.map((a) => ({ ...a, usage: { ...a.usage } }));
  const sameDeployment = new Map<string, number>();
  for (const id of req.existingAgents) sameDeployment.set(id, (sameDeployment.get(id) ?? 0) + 1);
  const assignments: PlacementPlan['assignments'] = [];
  const unplaced: number[] = [];
  for (const index of req.indexes) {
    const candidates = agents.filter((a) => feasible(a, req));
    if (candidates.length === 0) {
      unplaced.push(index);
      continue;
    }
    const chosen = pick(candidates, sameDeployment, req.strategy);
    chosen.usage.memoryBytes += req.memoryBytes;
    chosen.usage.milliCpus += req.milliCpus;
    chosen.usage.instances += 1;
    sameDeployment.set(chosen.id, (sameDeployment.get(chosen.id) ?? 0) + 1);
    assignments.push({ index, agentId: chosen.id });
  }
  return { assignments, unplaced, reason: unplaced.length ? explain(req, snapshots) : null };
}

/** Nomad-style filter counts in a sentence: which check excluded how many agents. */
export function explain(req: PlacementRequest, snapshots: readonly AgentSnapshot[]): string {
  if (snapshots.length === 0) return 'no agent has joined yet; start one (npm run agent)';
  const excluded = new Map<string, number>();
  for (const agent of snapshots) {
    const failed = checks.find((c) => !c.fits(agent, req));
    if (failed) excluded.set(failed.name, (excluded.get(failed.name) ?? 0) + 1);
  }
  const parts: string[] = [];
  const n = (name: string) => excluded.get(name) ?? 0;
  if (n('offline')) parts.push(`${n('offline')} offline`);
  if (n('labels')) parts.push(`${n('labels')} without labels ${req.constraints.map((c) => `${c.key}=${c.value}`).join(',')}`);
  if (n('memory')) parts.push(`${n('memory')} without ${formatMemory(req.memoryBytes)} of free memory`);
  if (n('cpu')) parts.push(`${n('cpu')} without ${req.milliCpus / 1000} free CPUs`);
  if (n('slots')) parts.push(`${n('slots')} at their instance limit`);
  const total = snapshots.length;
  return `waiting for capacity: ${parts.length ? parts.join(', ') : 'none fits'} (of ${total} agent${total === 1 ? '' : 's'})`;
}
