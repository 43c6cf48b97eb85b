import { instanceRef, isTerminalInstance } from '@draas/queue-contracts';
import type { ContainerOwner } from '../runtime/container-state.js';
import type { DesiredInstance } from '../state/desired-state.js';
import { judge } from '../state/verdict.js';

// The reconcile pass as a pure diff of actual (this agent's containers) against desired (the records).

export interface ContainerFact {
  id: string;
  /** Docker's state word: created, running, paused, restarting, removing, exited, dead. */
  state: string;
  owner: ContainerOwner | null;
}

export type ReconcileAction =
  | { kind: 'remove'; container: ContainerFact; reason: string; reportCancelled: boolean }
  /** Running, and the record does not say so yet: report (with ports) and follow its logs. */
  | { kind: 'report-running'; container: ContainerFact; owner: ContainerOwner }
  /** Running, and the record already agrees: only make sure its logs are followed. */
  | { kind: 'follow'; container: ContainerFact; owner: ContainerOwner }
  /** Ended, and the record does not know: report how it ended. */
  | { kind: 'report-exit'; container: ContainerFact; owner: ContainerOwner }
  | { kind: 'leave'; container: ContainerFact; reason: string };

const LIVE_STATES = new Set(['running', 'paused', 'restarting']);
const ENDED_STATES = new Set(['exited', 'dead']);

/**
 * `desired` holds the records of every instance an owned container names (absent = not read, e.g.
 * the read failed: such containers are left alone this pass rather than judged on missing data).
 */
export interface Retention {
  /** Now, on the clock of the records' `updatedAt` (Redis's). */
  now: number;
  /** An ended container whose end the scheduler recorded longer ago than this is removed. */
  removeEndedAfterMs: number;
}

const KEEP_FOREVER: Retention = { now: 0, removeEndedAfterMs: Number.POSITIVE_INFINITY };

export function planReconcile(
  containers: readonly ContainerFact[],
  desired: ReadonlyMap<string, DesiredInstance>,
  agentId: string,
  retention: Retention = KEEP_FOREVER,
): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const kept = new Map<string, ContainerFact>();
  for (const container of containers) {
    const owner = container.owner;
    if (!owner || owner.agentId !== agentId) {
      actions.push({ kind: 'remove', container, reason: 'its draas labels are incomplete', reportCancelled: false });
      continue;
    }
    const ref = instanceRef(owner.deploymentId, owner.index);
    const records = desired.get(ref);
    if (!records) {
      actions.push({ kind: 'leave', container, reason: 'its records could not be read' });
      continue;
    }
    const verdict = judge(owner, agentId, records);
    if (!verdict.wanted) {
      actions.push({ kind: 'remove', container, reason: verdict.reason, reportCancelled: verdict.reportCancelled });
      continue;
    }
    // Two containers for one instance must never both run: keep one, the running one if any.
    const other = kept.get(ref);
    if (other) {
      const [keep, drop] = LIVE_STATES.has(container.state) && !LIVE_STATES.has(other.state) ? [container, other] : [other, container];
      kept.set(ref, keep);
      dropPlanned(actions, drop);
      actions.push({ kind: 'remove', container: drop, reason: 'another container holds this instance', reportCancelled: false });
      if (keep === container) actions.push(actionFor(container, owner, records, retention));
      continue;
    }
    kept.set(ref, container);
    actions.push(actionFor(container, owner, records, retention));
  }
  return actions;
}

function actionFor(container: ContainerFact, owner: ContainerOwner, records: DesiredInstance, retention: Retention): ReconcileAction {
  const status = records.instance?.status;
  if (LIVE_STATES.has(container.state)) {
    // The scheduler already settled this attempt as ended: a container still running it is a leftover.
    if (status === 'exited' || status === 'failed') {
      return { kind: 'remove', container, reason: `the instance is already ${status}`, reportCancelled: false };
    }
    const known = status === 'running' && records.instance?.containerId === container.id;
    return known ? { kind: 'follow', container, owner } : { kind: 'report-running', container, owner };
  }
  if (ENDED_STATES.has(container.state)) {
    if (status === undefined || !isTerminalInstance(status) || status === 'lost') return { kind: 'report-exit', container, owner };
    // Its output is in the log history already; the container is kept a while for `docker inspect`.
    const endedAt = Date.parse(records.instance?.updatedAt ?? '');
    if (retention.now - endedAt > retention.removeEndedAfterMs) {
      return { kind: 'remove', container, reason: `it ended (${status}) over ${Math.round(retention.removeEndedAfterMs / 1000)} s ago`, reportCancelled: false };
    }
    return { kind: 'leave', container, reason: `the record already says ${status}` };
  }
  // `created` (a deploy job is between create and start, or will retry) or `removing`.
  return { kind: 'leave', container, reason: `it is ${container.state}` };
}

/** Forgets the action planned earlier for a container that turned out to be the duplicate. */
function dropPlanned(actions: ReconcileAction[], drop: ContainerFact): void {
  const at = actions.findIndex((a) => a.container === drop);
  if (at >= 0) actions.splice(at, 1);
}
