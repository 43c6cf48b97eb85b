// `npm run bench -- rollout`: the router of issue 14, in two parts.
//
// Part one, what the router costs: a private Caddy (scripts/local-caddy.ts) configured by the
// scheduler's RouterSync, in front of two containers running a small Node HTTP server (from the local
// base image draas/node:local). The same bounded load (a fixed count of requests and a time limit,
// 16 at a time over keep-alive connections) goes through the router (Host `web.localhost`, both
// containers as upstreams) and straight to one container's published port, alternately; requests/s
// and p50/p99 latency of each. Then the latency the router adds to one request: the same, one
// request at a time. Goal: ≥ 0.8× the throughput, ≤ +1 ms at p50 (one at a time: under load, the
// p50 mostly follows the throughput, as requests queue).
//
// Part two, a rolling update of 4 replicas: DRaaS's own (the scheduler's rollout of a new app
// version, rolloutThroughDraas) against the same steps by hand with dockerode and Caddy's admin API
// (rolloutByHand), each under a light load through the router that counts failed requests. Goal:
// ≤ 1.2× the time by hand, 0 failed requests.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppView } from '@draas/queue-contracts';
import Docker from 'dockerode';
import { CaddyAdmin } from '../apps/scheduler/src/router/caddy-admin.js';
import { RouterSync } from '../apps/scheduler/src/router/router-sync.js';
import type { RoutingTable } from '../apps/scheduler/src/router/routing-table.js';
import { caddyMissing, startLocalCaddy, type LocalCaddy } from '../scripts/local-caddy.js';
import { freePort } from '../scripts/local-redis.js';
import { buildTestImage, removeTestImage, startCluster, waitFor } from '../test/harness.js';
import { cleanupDir, cpuSnapshot, otherCpuSeconds, percentile, round, sleep, type Bench, type Row } from './lib.js';

const CONCURRENCY = 16;
/** The scheduler's default DRAIN_MS: how long a replaced instance stays up, out of the router. */
const DRAIN_MS = 1000;
const REPLICAS = 4;

/** A keep-alive HTTP server answering its NAME; it closes on SIGTERM (it runs as PID 1). */
const serverDockerfile = `FROM draas/node:local
EXPOSE 8080
CMD ["node", "-e", "const s = require('http').createServer((q, r) => r.end(process.env.NAME + '\\\\n')).listen(8080); process.on('SIGTERM', () => { s.close(() => process.exit(0)); s.closeIdleConnections(); setTimeout(() => process.exit(0), 2000).unref(); })"]`;

interface Target {
  port: number;
  /** The Host header: the app's name through the router, the container's address straight. */
  host: string;
}

interface LoadResult {
  requests: number;
  errors: number;
  /**
   * Requests sent again because the kept-alive connection they went out on was closed before any
   * byte of an answer: Caddy closes its idle client connections at every config load (any change
   * through the admin API reloads the whole config). Like browsers and Go's client (and as Node's
   * documentation advises), the load sends such a request once more, on a new connection; it fails
   * only if that fails.
   */
  reusedErrors: number;
  seconds: number;
  latencies: number[];
  firstError: string | null;
}

/**
 * Sends at most `count` GETs to `target`, `concurrency` at a time over keep-alive connections, and
 * stops at `timeLimitMs` (or when `stop` says so) whatever the count: every loop here is bounded.
 */
async function load(target: Target, count: number, timeLimitMs: number, concurrency = CONCURRENCY, stop: () => boolean = () => false): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let reusedErrors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const deadline = started + timeLimitMs;
  const one = async (): Promise<void> => {
    try {
      await send();
    } catch (err) {
      if (!(err as { resend?: boolean }).resend) throw err;
      reusedErrors++;
      // On a new connection: other idle ones in the pool may have been closed at the same load.
      await send(false);
    }
  };
  const send = (pooled = true) =>
    new Promise<void>((resolve, reject) => {
      let answered = false;
      const req = http.get({ host: '127.0.0.1', port: target.port, path: '/', headers: { host: target.host }, agent: pooled ? agent : false, timeout: 10_000 }, (res) => {
        answered = true;
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => reject(Object.assign(err, { resend: !answered && req.reusedSocket })));
    });
  const worker = async () => {
    while (issued < count && performance.now() < deadline && !stop()) {
      issued++;
      const t0 = performance.now();
      try {
        await one();
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests: latencies.length, errors, reusedErrors, seconds, latencies, firstError };
}

const rate = (r: LoadResult) => r.requests / r.seconds;

/** The pooled figures of several passes. */
function pooled(passes: LoadResult[]): LoadResult {
  return {
    requests: passes.reduce((n, p) => n + p.requests, 0),
    errors: passes.reduce((n, p) => n + p.errors, 0),
    reusedErrors: passes.reduce((n, p) => n + p.reusedErrors, 0),
    seconds: passes.reduce((n, p) => n + p.seconds, 0),
    latencies: passes.flatMap((p) => p.latencies),
    firstError: passes.find((p) => p.firstError)?.firstError ?? null,
  };
}

class Upstreams {
  readonly containers = new Map<string, Docker.Container>();
  private serial = 0;

  constructor(private readonly docker: Docker, private readonly image: string, private readonly run: string) {}

  /** Starts a container and waits (15 s at most) until its published port answers; returns host:port. */
  async start(name: string): Promise<string> {
    const container = await this.docker.createContainer({
      name: `draas-bench-rollout-${this.run}-${this.serial++}`,
      Image: this.image,
      Env: [`NAME=${name}`],
      Labels: { 'draas.bench': 'rollout' },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await container.start();
    const port = (await container.inspect()).NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
    if (!port) throw new Error(`container ${name} published no port`);
    const dial = `127.0.0.1:${port}`;
    this.containers.set(dial, container);
    await waitFor(`${name} to answer on ${dial}`, async () => {
      const res = await fetch(`http://${dial}/`, { signal: AbortSignal.timeout(1000) });
      return (await res.text()).trim() === name;
    }, 15_000, 20);
    return dial;
  }

  async stop(dial: string): Promise<void> {
    const container = this.containers.get(dial);
    if (!container) return;
    this.containers.delete(dial);
    await container.stop({ t: 10 }).catch(() => undefined);
    await container.remove({ force: true }).catch(() => undefined);
  }

  async removeAll(): Promise<void> {
    await Promise.all([...this.containers.keys()].map((dial) => this.stop(dial)));
  }
}

/** Part one: the same load straight to one container and through the router, alternately. */
async function routerCost(upstreams: Upstreams, router: RouterSync, table: (dials: string[]) => RoutingTable, caddyPid: number, quick: boolean): Promise<{ rows: Row[]; notes: string[] }> {
  const [a, b] = [await upstreams.start('a'), await upstreams.start('b')];
  await router.sync(table([a, b]));
  const routerPort = table([]).port;
  const direct: Target = { port: Number(a.split(':')[1]), host: a };
  const routed: Target = { port: routerPort, host: `web.localhost:${routerPort}` };
  const [count, limitMs, passes] = quick ? [3000, 10_000, 1] : [30_000, 60_000, 3];
  const [single, singleLimitMs] = quick ? [500, 10_000] : [3000, 30_000];

  // Warm-up: connections open, JIT warm, both upstreams seen by Caddy.
  await load(direct, 500, 5000);
  await load(routed, 500, 5000);
  const straight: LoadResult[] = [];
  const through: LoadResult[] = [];
  // CPU time of Caddy and of this process (the load) during the passes through the router.
  let caddyMs = 0;
  let clientMs = 0;
  const cpuOf = (pid: number) => cpuSnapshot().get(pid)?.ms ?? 0;
  for (let pass = 0; pass < passes; pass++) {
    straight.push(await load(direct, count, limitMs));
    const [caddy0, client0] = [cpuOf(caddyPid), cpuOf(process.pid)];
    through.push(await load(routed, count, limitMs));
    caddyMs += cpuOf(caddyPid) - caddy0;
    clientMs += cpuOf(process.pid) - client0;
  }
  const oneStraight: LoadResult[] = [];
  const oneThrough: LoadResult[] = [];
  for (let pass = 0; pass < passes; pass++) {
    oneStraight.push(await load(direct, single, singleLimitMs, 1));
    oneThrough.push(await load(routed, single, singleLimitMs, 1));
  }
  const s = pooled(straight);
  const t = pooled(through);
  const s1 = pooled(oneStraight);
  const t1 = pooled(oneThrough);
  const [p50s, p50t] = [percentile(s1.latencies, 50), percentile(t1.latencies, 50)];
  const ratio = rate(t) / rate(s);
  const errors = t.errors + t1.errors;
  const firstError = t.firstError ?? t1.firstError ?? s.firstError ?? s1.firstError;
  return {
    rows: [
      { metric: `requests/s through the router (${CONCURRENCY} at a time)`, value: rate(t), unit: 'req/s', baseline: rate(s), goal: 'ratio ≥ 0.8', met: ratio >= 0.8 },
      { metric: `p50 latency, ${CONCURRENCY} at a time`, value: percentile(t.latencies, 50), unit: 'ms', baseline: percentile(s.latencies, 50) },
      { metric: `p99 latency, ${CONCURRENCY} at a time`, value: percentile(t.latencies, 99), unit: 'ms', baseline: percentile(s.latencies, 99) },
      { metric: 'p50 latency, one at a time', value: p50t, unit: 'ms', baseline: p50s, goal: '≤ +1 ms', met: p50t - p50s <= 1 },
      { metric: 'p99 latency, one at a time', value: percentile(t1.latencies, 99), unit: 'ms', baseline: percentile(s1.latencies, 99) },
      { metric: 'failed requests through the router', value: errors, unit: '', baseline: s.errors + s1.errors, goal: '0', met: errors === 0 },
    ],
    notes: [
      `router cost: ${passes} pass(es) of at most ${count} GETs (${limitMs / 1000} s limit each), ${CONCURRENCY} at a time over keep-alive connections, then of at most ${single} GETs one at a time, through a private Caddy (Host web.localhost, round robin over 2 containers of a Node HTTP server) and, as the baseline, straight to one container's published port, alternately; ${t.requests} + ${t1.requests} and ${s.requests} + ${s1.requests} answered; p50 one at a time +${round(p50t - p50s, 2)} ms. CPU per request through the router, ${CONCURRENCY} at a time: Caddy ${Math.round((1000 * caddyMs) / t.requests)} µs, the load's client ${Math.round((1000 * clientMs) / t.requests)} µs; Caddy shares the machine's ${os.cpus().length} cores with the client, Docker's port proxy and the containers, as a router on an edge machine of its own would not.${firstError ? ` First error: ${firstError}.` : ''}`,
    ],
  };
}

/**
 * Part two's baseline: a rolling update of REPLICAS replicas by hand. For each: start a new container,
 * wait until its port answers, add it to the router's upstreams (RouterSync), take one old one out,
 * wait DRAIN_MS, stop the old container. A light load through the router runs meanwhile.
 */
async function rolloutByHand(upstreams: Upstreams, router: RouterSync, table: (dials: string[]) => RoutingTable): Promise<{ ms: number; steps: number[]; load: LoadResult }> {
  const old: string[] = [];
  for (let i = 0; i < REPLICAS; i++) old.push(await upstreams.start(`v1-${i}`));
  let live = [...old];
  await router.sync(table(live));
  const routerPort = table([]).port;
  let done = false;
  const background = load({ port: routerPort, host: `web.localhost:${routerPort}` }, 1_000_000, 120_000, 4, () => done);
  const steps: number[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < REPLICAS; i++) {
      const s0 = performance.now();
      const fresh = await upstreams.start(`v2-${i}`);
      live = [...live, fresh];
      await router.sync(table(live));
      const retired = old.shift() as string;
      live = live.filter((dial) => dial !== retired);
      await router.sync(table(live));
      await sleep(DRAIN_MS);
      await upstreams.stop(retired);
      steps.push(performance.now() - s0);
    }
  } finally {
    done = true;
  }
  const ms = performance.now() - t0;
  return { ms, steps, load: await background };
}

/**
 * Part two, DRaaS's side: the same rolling update of REPLICAS replicas through the scheduler's own
 * rollout — v2 of an app `web` already serving v1 on REPLICAS instances, one agent, the same Caddy —
 * timed from the request until the last v1 instance is stopped, under the same light load. Health
 * checked every 100 ms (the baseline polls the port every 20 ms), DRAIN_MS as in the baseline.
 */
async function rolloutThroughDraas(redisUrl: string, caddy: LocalCaddy, routerPort: number, image: string): Promise<{ ms: number; load: LoadResult }> {
  const cluster = await startCluster(redisUrl, { ROUTER_ADMIN_URLS: caddy.adminUrl, ROUTER_PORT: String(routerPort), DRAIN_MS: String(DRAIN_MS) });
  try {
    await cluster.startAgent('bench-rollout');
    const deploy = (name: string, replicas?: number) =>
      cluster.deployImage({ image, app: 'web', env: { NAME: name }, ports: ['8080'], healthInterval: '100ms', ...(replicas && { replicas }) });
    const app = async () => AppView.parse(await cluster.json('/api/apps/web'));
    const v1 = await deploy('v1', REPLICAS);
    await waitFor('v1 to serve', async () => (await app()).healthy === REPLICAS, 120_000, 100);
    let done = false;
    const background = load({ port: routerPort, host: `web.localhost:${routerPort}` }, 1_000_000, 180_000, 4, () => done);
    const t0 = performance.now();
    try {
      await deploy('v2');
      await waitFor('v2 to serve with every v1 instance stopped', async () => {
        const a = await app();
        if (a.current !== 2 || a.healthy !== REPLICAS) return false;
        return (await cluster.deployment(v1.id)).instances.every((i) => i.status === 'cancelled');
      }, 180_000, 50);
    } finally {
      done = true;
    }
    return { ms: performance.now() - t0, load: await background };
  } finally {
    await cluster.close();
  }
}

const bench: Bench = async ({ quick, redisUrl }) => {
  const missing = caddyMissing();
  if (missing) throw new Error(`the rollout benchmark needs Caddy: ${missing}`);
  const run = randomBytes(4).toString('hex');
  const image = `draas-bench/rollout:${run}`;
  await buildTestImage(image, serverDockerfile);
  const docker = new Docker();
  const upstreams = new Upstreams(docker, image, run);
  const caddyDir = mkdtempSync(path.join(os.tmpdir(), 'draas-bench-caddy-'));
  let caddy: LocalCaddy | null = null;
  try {
    caddy = await startLocalCaddy({ dataDir: caddyDir, adminPort: await freePort() });
    const router = new RouterSync(new CaddyAdmin(caddy.adminUrl));
    const routerPort = await freePort();
    const table = (dials: string[]): RoutingTable => ({ domain: 'localhost', port: routerPort, https: 'off', apps: [{ name: 'web', upstreams: dials }] });

    const cpu0 = cpuSnapshot();
    const t0 = performance.now();
    const cost = await routerCost(upstreams, router, table, caddy.process.pid as number, quick);
    await upstreams.removeAll();

    const byHand = await rolloutByHand(upstreams, router, table);
    const draas = await rolloutThroughDraas(redisUrl, caddy, routerPort, image);
    const other = otherCpuSeconds(cpu0);
    const wall = (performance.now() - t0) / 1000;
    const rows: Row[] = [
      ...cost.rows,
      { metric: `rollout of ${REPLICAS} replicas through DRaaS (baseline: the same steps by hand)`, value: draas.ms / 1000, unit: 's', baseline: byHand.ms / 1000, goal: 'ratio ≤ 1.2', met: draas.ms / byHand.ms <= 1.2 },
      { metric: 'rollout by hand: one replica, p50', value: percentile(byHand.steps, 50), unit: 'ms' },
      { metric: 'failed requests during the rollout (by hand as baseline)', value: draas.load.errors, unit: '', baseline: byHand.load.errors, goal: '0', met: draas.load.errors === 0 },
    ];
    return {
      name: 'rollout',
      rows,
      notes: [
        ...cost.notes,
        `rollout by hand: ${REPLICAS} × (start a container, wait until its port answers, add it to the router, take one old one out, wait DRAIN_MS ${DRAIN_MS} ms, stop the old one), under ${byHand.load.requests + byHand.load.errors} GETs through the router 4 at a time over keep-alive connections (${byHand.load.errors} failed${byHand.load.firstError ? `, first: ${byHand.load.firstError}` : ''}; ${byHand.load.reusedErrors} sent again, as browsers do, because Caddy closed the kept-alive connection they went out on at one of the ${2 * REPLICAS} config loads). Through DRaaS: v2 of an app serving v1 on ${REPLICAS} instances (one agent, max surge 1, health checked every 100 ms), from the request until every v1 instance is stopped, under ${draas.load.requests + draas.load.errors} GETs the same way (${draas.load.errors} failed${draas.load.firstError ? `, first: ${draas.load.firstError}` : ''}; ${draas.load.reusedErrors} sent again the same way).`,
        `Other work on the machine (not this benchmark, not the Docker engine) meanwhile: ${round(other, 1)} CPU s in ${round(wall, 1)} s (${Math.round((100 * other) / wall / os.cpus().length)} % of the machine).`,
      ],
    };
  } finally {
    await upstreams.removeAll();
    await caddy?.stop();
    cleanupDir(caddyDir);
    await removeTestImage(image).catch(() => undefined);
  }
};

export default bench;
