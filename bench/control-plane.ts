// Control-plane throughput: 100 simulated agents (bench/simulated-agents.ts: they run no containers)
// and 20,000 instances, as 20 deployments × 1,000 replicas and as 20,000 deployments × 1, through the
// real API, placement, queues and status worker. Baseline: the same number of jobs through raw BullMQ
// (add in bulk over as many queues, workers that only complete them), in this script.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { bullPrefix, Channels, ClusterEvent, parseJsonWith } from '@draas/queue-contracts';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { mapLimit } from '../apps/scheduler/src/util/map-limit.js';
import { startCluster, waitFor, type Cluster } from '../test/harness.js';
import { cpuSnapshot, percentile, type Bench, type ProcCpu, type Row } from './lib.js';
import { SimulatedAgentFleet } from './simulated-agents.js';

interface Scenario {
  label: string;
  deployments: number;
  replicas: number;
  /** Submitted through POST /api/deployments/batch, this many per request (unset: one request each). */
  batch?: number;
}

interface Outcome {
  instances: number;
  seconds: number;
  submitSeconds: number;
  queuedToRunning: number[];
  maxRssMiB: number;
  /** CPU seconds each part used during the scenario. */
  cpu: { scheduler: number; redis: number; bench: number };
}

/** CPU seconds between two snapshots of: the scheduler, this benchmark's Redis (a child of this process), this process (simulated agents and the API client). */
function cpuOfParts(before: Map<number, ProcCpu>, after: Map<number, ProcCpu>, schedulerPid: number): Outcome['cpu'] {
  const used = (pid: number): number => ((after.get(pid)?.ms ?? 0) - (before.get(pid)?.ms ?? 0)) / 1000;
  const redisPid = [...after].find(([, p]) => p.ppid === process.pid && p.comm.startsWith('redis-server'))?.[0] ?? -1;
  return { scheduler: used(schedulerPid), redis: used(redisPid), bench: used(process.pid) };
}

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function runScenario(redisUrl: string, scenario: Scenario, agents: number, timeoutMs: number): Promise<Outcome> {
  const cluster: Cluster = await startCluster(redisUrl);
  const fleet = new SimulatedAgentFleet({ redisUrl, prefix: cluster.prefix, agents, heartbeatMs: 2000, concurrency: 50 });
  const subscriber = new Redis(redisUrl);
  const pid = cluster.scheduler.child.pid as number;
  let maxRss = rssMiB(pid);
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMiB(pid))), 250);
  try {
    await fleet.start();
    await waitFor(`${agents} simulated agents online`, async () => (await cluster.agentsOnline()).length === agents, 30_000, 200);
    const submitted = new Map<string, number>();
    const running = new Map<string, number>();
    await subscriber.subscribe(Channels(cluster.prefix).events);
    subscriber.on('message', (_channel: string, message: string) => {
      const event = parseJsonWith(ClusterEvent, message);
      if (event?.type !== 'deployment' || event.instance?.status !== 'running') return;
      const key = `${event.deploymentId}/${event.instance.index}`;
      if (!running.has(key)) running.set(key, performance.now());
    });

    const total = scenario.deployments * scenario.replicas;
    const cpu0 = cpuSnapshot();
    const t0 = performance.now();
    const body = { image: 'simulated/none:1', replicas: scenario.replicas, restart: 'no' };
    const { batch } = scenario;
    if (batch) {
      const requests = Math.ceil(scenario.deployments / batch);
      await mapLimit(Array.from({ length: requests }, (_, i) => Math.min(batch, scenario.deployments - i * batch)), 4, async (size) => {
        const sent = performance.now();
        const created = await cluster.json<{ deployments: { id: string }[] }>('/api/deployments/batch', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ deployments: Array.from({ length: size }, () => body) }),
        });
        for (const d of created.deployments) submitted.set(d.id, sent);
      });
    } else {
      await mapLimit(Array.from({ length: scenario.deployments }, (_, i) => i), 32, async () => {
        const sent = performance.now();
        const created = await cluster.deployImage(body);
        submitted.set(created.id, sent);
      });
    }
    const submitSeconds = (performance.now() - t0) / 1000;
    await waitFor(`${total} instances running`, async () => running.size >= total, timeoutMs, 100);
    const seconds = (Math.max(...running.values()) - t0) / 1000;
    const cpu = cpuOfParts(cpu0, cpuSnapshot(), pid);
    const queuedToRunning = [...running].map(([key, at]) => at - (submitted.get(key.split('/')[0] as string) ?? t0));
    return { instances: total, seconds, submitSeconds, queuedToRunning, maxRssMiB: maxRss, cpu };
  } finally {
    clearInterval(sampler);
    await subscriber.quit();
    await fleet.close();
    await cluster.close();
  }
}

/** The same number of jobs through plain BullMQ: bulk adds over `queues` queues, workers that only complete them. */
async function rawBullmq(redisUrl: string, jobs: number, queues: number): Promise<number> {
  const prefix = bullPrefix(`raw${Date.now()}`);
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const qs = Array.from({ length: queues }, (_, i) => new Queue(`raw-${i}`, { connection, prefix }));
  let done = 0;
  const workers = qs.map((q) => new Worker(q.name, async () => void done++, { connection, prefix, concurrency: 50 }));
  const t0 = performance.now();
  const perQueue = Math.ceil(jobs / queues);
  await Promise.all(qs.map((q) => q.addBulk(Array.from({ length: perQueue }, (_, i) => ({ name: 'j', data: { i }, opts: { removeOnComplete: true } })))));
  await waitFor('raw jobs done', async () => done >= perQueue * queues, 120_000, 20);
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.close()));
  await Promise.all(qs.map(async (q) => {
    await q.obliterate({ force: true });
    await q.close();
  }));
  return (perQueue * queues) / seconds;
}

const bench: Bench = async ({ quick, redisUrl }) => {
  const agents = quick ? 20 : 100;
  const scenarios: Scenario[] = quick
    ? [
        { label: '2 × 250 replicas', deployments: 2, replicas: 250 },
        { label: '500 × 1', deployments: 500, replicas: 1 },
        { label: '500 × 1 in batches of 100', deployments: 500, replicas: 1, batch: 100 },
      ]
    : [
        { label: '20 × 1,000 replicas', deployments: 20, replicas: 1000 },
        { label: '20,000 × 1', deployments: 20_000, replicas: 1 },
        { label: '20,000 × 1 in batches of 500', deployments: 20_000, replicas: 1, batch: 500 },
      ];
  const raw = await rawBullmq(redisUrl, scenarios[0]?.deployments === 2 ? 500 : 20_000, agents);
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const scenario of scenarios) {
    const outcome = await runScenario(redisUrl, scenario, agents, quick ? 120_000 : 600_000);
    const rate = outcome.instances / outcome.seconds;
    const p99 = percentile(outcome.queuedToRunning, 99);
    rows.push(
      { metric: `${scenario.label}: placements/s (submit → all running)`, value: rate, unit: '/s', baseline: raw, goal: '≥ 3,750/s', met: rate >= 3750 },
      { metric: `${scenario.label}: p99 queued → running`, value: p99 / 1000, unit: 's', goal: '≤ 2 s', met: p99 <= 2000 },
      { metric: `${scenario.label}: p50 queued → running`, value: percentile(outcome.queuedToRunning, 50) / 1000, unit: 's' },
      { metric: `${scenario.label}: scheduler peak RSS`, value: outcome.maxRssMiB, unit: 'MiB', goal: '≤ 300 MB', met: outcome.maxRssMiB <= 286 },
    );
    const { cpu } = outcome;
    const perThousand = (s: number): string => ((s * 1000) / outcome.instances).toFixed(2);
    const busy = (cpu.scheduler + cpu.redis + cpu.bench) / outcome.seconds;
    notes.push(
      `${scenario.label}: ${outcome.instances} instances on ${agents} simulated agents in ${outcome.seconds.toFixed(1)} s (submitting took ${outcome.submitSeconds.toFixed(1)} s, ${scenario.batch ? `POST /api/deployments/batch, ${scenario.batch} a request, 4 requests` : '32 requests'} at a time). ` +
        `CPU s per 1,000 instances: scheduler ${perThousand(cpu.scheduler)}, Redis ${perThousand(cpu.redis)}, simulated agents + API client ${perThousand(cpu.bench)}; ` +
        `together ${busy.toFixed(2)} of ${os.cpus().length} cores busy throughout.`,
    );
  }
  notes.push(`Baseline: raw BullMQ jobs/s over ${agents} queues (bulk add, workers that only complete), same Redis. Simulated agents run no containers (bench/simulated-agents.ts).`);
  return { name: 'control-plane throughput', rows, notes };
};

export default bench;
