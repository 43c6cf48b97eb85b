// What waits to be placed, against a real Redis and BullMQ: requests fold into one entry and one sweep
// job, the sweep reads the oldest first and keeps a request made again meanwhile, the pending set,
// and a restart's delayed placement arriving at its time. Every key is under a fresh prefix, removed after.
import { randomBytes } from 'node:crypto';
import { bullPrefix, JobIds, QueueNames, redisKeys, type PlacementJob } from '@draas/queue-contracts';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { PlacementRequests } from './placement-requests.js';
import { registerScripts, type ScriptedRedis } from './scripts.js';

const infraMissing = inject('infraMissing');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(infraMissing !== null)('PlacementRequests (real Redis)', () => {
  let redis: ScriptedRedis;
  let queue: Queue<PlacementJob>;
  let worker: Worker | null;
  let workerRedis: Redis | null;
  let keys: ReturnType<typeof redisKeys>;
  let requests: PlacementRequests;

  beforeEach(() => {
    const prefix = `test-placement-${randomBytes(6).toString('hex')}`;
    keys = redisKeys(prefix);
    redis = registerScripts(new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }));
    queue = new Queue<PlacementJob>(QueueNames.place, { connection: redis, prefix: bullPrefix(prefix) });
    worker = null;
    workerRedis = null;
    requests = new PlacementRequests(redis, keys, queue);
  });

  afterEach(async () => {
    await worker?.close();
    await workerRedis?.quit();
    await queue.close();
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', keys.everything, 'COUNT', 500);
      if (found.length) await redis.del(...found);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  it('keeps one entry per deployment, at the time of its latest request, and one sweep job for them all', async () => {
    await requests.request('d1');
    const first = Number(await redis.zscore(keys.placements, 'd1'));
    await sleep(5);
    await requests.requestMany(['d1', 'd2']);
    await requests.requestMany([]);
    expect(await redis.zcard(keys.placements)).toBe(2);
    // Asking again moves the time: that is what lets settle keep a request made during a placement.
    expect(Number(await redis.zscore(keys.placements, 'd1'))).toBeGreaterThan(first);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.map((j) => [j.name, j.data.type, j.id])).toEqual([['sweep', 'place-sweep', expect.any(String)]]);
    expect(await queue.getDeduplicationJobId(JobIds.placeSweep)).toBe(jobs[0]?.id);
  });

  it('reads a page of the oldest requests first', async () => {
    for (const id of ['old', 'mid', 'new']) {
      await requests.request(id);
      await sleep(5);
    }
    const page = await requests.oldest(2);
    expect(page.map((r) => r.deploymentId)).toEqual(['old', 'mid']);
    expect(Number(page[0]?.requestedAt)).toBeLessThan(Number(page[1]?.requestedAt));
    expect((await requests.oldest(10)).map((r) => r.deploymentId)).toEqual(['old', 'mid', 'new']);
  });

  it('settles a served request, but keeps one made again while it was served', async () => {
    await requests.requestMany(['served', 'again']);
    const page = await requests.oldest(10);
    await sleep(5);
    await requests.request('again');
    const settled = await Promise.all(page.map((r) => requests.settle(r)));
    expect(Object.fromEntries(page.map((r, i) => [r.deploymentId, settled[i]]))).toEqual({ served: true, again: false });
    expect((await requests.oldest(10)).map((r) => r.deploymentId)).toEqual(['again']);
  });

  it('marks, unmarks and lists the deployments waiting for capacity', async () => {
    await requests.markPending('a', true);
    await requests.markPending('b', true);
    await requests.markPending('a', true);
    expect((await requests.pendingIds()).sort()).toEqual(['a', 'b']);
    await requests.markPending('a', false);
    await requests.markPending('never', false);
    expect(await requests.pendingIds()).toEqual(['b']);
    expect(await redis.smembers(keys.pending)).toEqual(['b']);
  });

  it("places a restart's deployment once its back-off is over, once per moment", async () => {
    const now = Date.now();
    const at = now + 700;
    await requests.requestAt('late', at, now);
    await requests.requestAt('late', at, now);
    const job = await queue.getJob(JobIds.placeAt('late', at));
    expect(await job?.getState()).toBe('delayed');
    expect(job?.data).toEqual({ type: 'place', version: 1, deploymentId: 'late' });
    expect(await queue.getJobCounts('delayed')).toEqual({ delayed: 1 });

    const arrivals: { data: PlacementJob; at: number }[] = [];
    workerRedis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    worker = new Worker(QueueNames.place, async (j) => void arrivals.push({ data: j.data as PlacementJob, at: Date.now() }), {
      connection: workerRedis,
      prefix: queue.opts.prefix,
    });
    for (let waited = 0; arrivals.length === 0 && waited < 10_000; waited += 50) await sleep(50);
    expect(arrivals.map((a) => a.data)).toEqual([{ type: 'place', version: 1, deploymentId: 'late' }]);
    expect(arrivals[0]?.at).toBeGreaterThanOrEqual(at);
    // Nothing entered the placements set: the delayed job itself is the request.
    expect(await redis.zcard(keys.placements)).toBe(0);
  });
});
