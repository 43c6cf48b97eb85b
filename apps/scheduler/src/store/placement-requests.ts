import { JobIds, type PlacementJob, type RedisKeys } from '@draas/queue-contracts';
import type { Queue } from 'bullmq';
import type { WaitingPlacement } from '../cluster/state.js';
import type { ScriptedRedis } from './scripts.js';

// The one owner of "what is waiting to be placed" (docs/ARCHITECTURE.md, One deployment, steps 7–8).
// Three structures hold it; every other module goes through this class and never names them.
//
// 1. `<p>:placements` (keys.placements), sorted set, deployment id → the time it was last asked for
//    (ms, this scheduler's Date.now()). Asking while it already waits only moves that time, so many
//    requests for one deployment are one entry, and the sweep takes the oldest first. Written by
//    `request` / `requestMany`; read by the sweep (`oldest`), which removes an entry with
//    `settle` (lua/remove-if-unchanged.lua) only if its time is still the one it read: a request made
//    while the deployment was being placed has moved the time and stays for the next pass.
//    Each request also adds the `place-sweep` job to the `place` queue, deduplicated on
//    JobIds.placeSweep with keepLastIfActive: while a sweep waits, more requests fold into it; while
//    one runs, exactly one more is kept, so no request is missed and a burst costs a few jobs.
// 2. `<p>:deployments:pending` (keys.pending), set of ids with instances that no agent could take
//    yet. Placement marks / unmarks it after each pass (`markPending`), cancel unmarks it, and the
//    pending retry (liveness/pending-retry.ts) lists it (`pendingIds`) to ask again for those that
//    could fit now. Without it, a deployment waiting for capacity would have to stay in the sorted
//    set and be re-placed on every sweep.
// 3. A delayed `place` job (JobIds.placeAt: `place-<id>-at-<ms>`) on the `place` queue: a restart's
//    back-off (`requestAt`, from deployments/restarts.ts). The placement worker places that one
//    deployment when it comes due; its id makes asking twice for the same moment a no-op.
//
// Callers: request — deployments/create.ts (image), builder/build-worker.ts, deployments/restarts.ts
// (restart now), liveness/reaper.ts, resume.ts; requestMany — liveness/pending-retry.ts; requestAt —
// deployments/restarts.ts; oldest / settle / markPending — placement/placement-worker.ts;
// markPending(false) — deployments/cancel.ts; pendingIds — liveness/pending-retry.ts.
// Key names, job names, ids and options are shared with every scheduler of this version: keep them.


export class PlacementRequests {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeys,
    /** The `place` queue (queues.ts): sweep jobs and delayed place jobs are added here only. */
    private readonly queue: Queue<PlacementJob>,
  ) {}

  /** Asks for (re)placement of one deployment now. */
  request(deploymentId: string): Promise<void> {
    return this.requestMany([deploymentId]);
  }

  /** Asks for placement of many deployments at once: one write, one sweep job. */
  async requestMany(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const now = Date.now();
    await this.redis.zadd(this.keys.placements, ...ids.flatMap((id) => [now, id]));
    await this.queue.add('sweep', { type: 'place-sweep', version: 1 }, {
      deduplication: { id: JobIds.placeSweep, keepLastIfActive: true },
      attempts: 10,
      backoff: { type: 'exponential', delay: 500 },
    });
  }

  /** A placement at a later moment (`at`, ms on the Redis clock, `now` the same clock's present). */
  async requestAt(deploymentId: string, at: number, now: number): Promise<void> {
    await this.queue.add('place', { type: 'place', version: 1, deploymentId }, {
      jobId: JobIds.placeAt(deploymentId, at),
      delay: Math.max(0, at - now),
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
    });
  }

  /** Up to `limit` waiting requests, the longest waiting first. */
  async oldest(limit: number): Promise<WaitingPlacement[]> {
    const flat = await this.redis.zrange(this.keys.placements, '0', String(limit - 1), 'WITHSCORES');
    const page: WaitingPlacement[] = [];
    for (let i = 0; i < flat.length; i += 2) page.push({ deploymentId: flat[i] as string, requestedAt: flat[i + 1] as string });
    return page;
  }

  /** The request was served: removed, unless it was made again since it was read (then false, it stays). */
  async settle(request: WaitingPlacement): Promise<boolean> {
    return (await this.redis.draasRemoveIfUnchanged(this.keys.placements, request.deploymentId, request.requestedAt)) === 1;
  }

  /** Whether the deployment has instances no agent could take yet (the pending retry asks again for it). */
  async markPending(deploymentId: string, pending: boolean): Promise<void> {
    if (pending) await this.redis.sadd(this.keys.pending, deploymentId);
    else await this.redis.srem(this.keys.pending, deploymentId);
  }

  pendingIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.pending);
  }
}
