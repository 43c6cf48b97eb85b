import type { DeploymentRecord } from '@draas/queue-contracts';
import type { Scheduling } from '../cluster/scheduling.js';
import type { AgentSnapshot } from '../cluster/state.js';
import { feasible } from '../placement/place.js';

// Deployments waiting for capacity are placed again only when capacity may have appeared (an agent
// came online or changed, an instance ended) — at most every RETRY_GAP_MS — plus a slow safety pass.
// A retry first checks cheaply, against one set of agent snapshots, which of them could now fit at
// all; only those go back to placement. Ten thousand waiting deployments cost one read, not a
// placement each every few seconds.

const RETRY_GAP_MS = 2000;
const SAFETY_PASS_MS = 60_000;
const READ_PAGE = 500;

export class PendingRetry {
  private wanted = false;
  private last = 0;

  constructor(private readonly s: Pick<Scheduling, 'state' | 'planner'>) {}

  /** Capacity may have appeared: the next tick retries. */
  request(): void {
    this.wanted = true;
  }

  /** Called on every watcher sweep; retries when asked (not too often) or when the safety pass is due. */
  async tick(): Promise<void> {
    const now = Date.now();
    if (!((this.wanted && now - this.last >= RETRY_GAP_MS) || now - this.last >= SAFETY_PASS_MS)) return;
    this.wanted = false;
    this.last = now;
    const { state, planner } = this.s;
    const ids = await state.pendingIds();
    if (ids.length === 0) return;
    const snapshots = await state.agents(true);
    const fit: string[] = [];
    for (let i = 0; i < ids.length; i += READ_PAGE) {
      for (const record of await state.deployments(ids.slice(i, i + READ_PAGE))) {
        if (couldFit(record, snapshots)) fit.push(record.id);
      }
    }
    await planner.requestPlacement(fit);
  }
}

/** Whether one more instance of the deployment fits on some agent now (placement decides the rest). */
export function couldFit(record: DeploymentRecord, agents: readonly AgentSnapshot[]): boolean {
  const request = {
    memoryBytes: record.spec.memoryBytes,
    milliCpus: record.spec.milliCpus,
    constraints: record.spec.constraints,
    strategy: record.spec.strategy,
    indexes: [0],
    existingAgents: [],
  };
  return agents.some((agent) => feasible(agent, request));
}
