// Logs: (a) throughput of a container printing numbered lines as fast as it can, followed live through
// the SSE endpoint, against dockerode following the same container's logs in this script; every line
// must arrive once and in order. (b) emit→arrival latency at 10,000 lines/s, the same two ways.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { ContainerCreateOptions } from 'dockerode';
import Docker from 'dockerode';
import type { LogLine } from '@draas/queue-contracts';
import { readSse, SseParser } from '../apps/client-cli/src/follow/sse-parser.js';
import { removeTestImage, startCluster, type Cluster } from '../test/harness.js';
import { cpuSnapshot, otherCpuSeconds, percentile, round, type Bench, type ProcCpu, type Row } from './lib.js';

const run = promisify(execFile);

/** Prints `RATE` lines/s for `SECONDS` s, in a batch every 10 ms; each line is `<n> <Date.now()>`. */
const EMITTER = `'use strict';
const rate = Number(process.env.RATE), seconds = Number(process.env.SECONDS);
const total = rate * seconds;
const t0 = Date.now();
let sent = 0;
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor(((Date.now() - t0) * rate) / 1000));
  let text = '';
  while (sent < due) text += ++sent + ' ' + Date.now() + '\\n';
  if (text) process.stdout.write(text);
  if (sent >= total) clearInterval(timer);
}, 10);
`;

const TIMEOUT_MS = 120_000;

/** Checks that lines are exactly 1..n in order; notes when each line arrived. */
class SequenceCheck {
  private readonly seen: Uint8Array;
  private max = 0;
  received = 0;
  reordered = 0;
  duplicates = 0;
  /** Lines that carry no number of ours (none are expected). */
  foreign = 0;
  first = Number.NaN;
  last = Number.NaN;

  constructor(readonly expected: number) {
    this.seen = new Uint8Array(expected + 1);
  }

  /** `n` is the number the line carries; `at` when it arrived (performance.now()). */
  add(n: number, at: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.expected) {
      this.foreign++;
      return;
    }
    if (this.seen[n]) this.duplicates++;
    this.seen[n] = 1;
    if (n < this.max) this.reordered++;
    this.max = Math.max(this.max, n);
    this.received++;
    if (this.received === 1) this.first = at;
    this.last = at;
  }

  get lost(): number {
    let lost = 0;
    for (let i = 1; i <= this.expected; i++) if (!this.seen[i]) lost++;
    return lost;
  }

  /** The missing numbers as ranges, for a note ("none" when complete). */
  missing(limit = 5): string {
    const ranges: string[] = [];
    for (let i = 1; i <= this.expected && ranges.length <= limit; i++) {
      if (this.seen[i]) continue;
      let j = i;
      while (j < this.expected && !this.seen[j + 1]) j++;
      ranges.push(i === j ? `${i}` : `${i}–${j}`);
      i = j;
    }
    if (ranges.length === 0) return 'none';
    return ranges.length > limit ? `${ranges.slice(0, limit).join(', ')}, …` : ranges.join(', ');
  }

  /** Lines per second from the first line to the last. */
  get rate(): number {
    return ((this.received - 1) * 1000) / (this.last - this.first);
  }
}

/**
 * What the agent asks the engine for (apps/agent/src/runtime/container-spec.ts: limits, no restart),
 * without DRaaS around it, except the log options: the engine's default json-file (no size cap), so
 * that the baseline can read every line (the agent's 10m × 3 cap cannot hold 500,000 lines).
 */
function rawSpec(image: string, env: Record<string, string>, cpus: number): ContainerCreateOptions {
  return {
    Image: image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Tty: false,
    HostConfig: {
      Memory: 256 * 1024 ** 2,
      MemorySwap: 256 * 1024 ** 2,
      NanoCpus: cpus * 1e9,
      PidsLimit: 512,
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    },
  };
}

/** The payloads of Docker's multiplexed log format (8-byte frame headers), stdout and stderr alike. */
function demuxText(data: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= data.length; ) {
    const length = data.readUInt32BE(offset + 4);
    parts.push(data.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Starts the container, follows its logs with dockerode and hands each whole line to `onLine` until
 * the stream ends. Docker 20.10's follow stream sometimes ends early after a burst of output (the agent
 * works around it the same way): then the ended container's log is read once more and the lines past
 * those already seen are handed on too. Returns how many lines came from that second read.
 */
async function followRaw(docker: Docker, spec: ContainerCreateOptions, onLine: (line: string, at: number) => void): Promise<number> {
  const container = await docker.createContainer(spec);
  try {
    await container.start();
    const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
    let partial = '';
    let seen = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const at = performance.now();
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        seen += parts.length;
        for (const line of parts) onLine(line, at);
        callback();
      },
    });
    docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`raw log stream did not end within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    await container.wait({ abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
    const all = demuxText((await container.logs({ follow: false, stdout: true, stderr: true })) as unknown as Buffer).split('\n');
    if (all.at(-1) === '') all.pop();
    const at = performance.now();
    const rest = all.slice(seen);
    // A partial line held back is complete in the second read.
    for (const line of rest) onLine(line, at);
    return rest.length;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Deploys the image, follows its log over SSE from right after the 202 until `end`; run lines go to `onLine`. */
async function followDraas(
  cluster: Cluster,
  body: Record<string, unknown>,
  onLine: (text: string, at: number, line: LogLine) => void,
): Promise<{ id: string; events: number }> {
  const created = await cluster.deployImage(body);
  const res = await cluster.api(`/api/deployments/${created.id}/logs?follow=1`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok || !res.body) throw new Error(`logs of ${created.id}: ${res.status}`);
  let events = 0;
  let ended = false;
  for await (const event of readSse(res.body as ReadableStream<Uint8Array>, new SseParser())) {
    events++;
    if (event.event === 'end') {
      ended = true;
      break;
    }
    if (event.event === 'gap') throw new Error(`the follower was told of a gap: ${event.data}`);
    if (event.event !== 'log') continue;
    const at = performance.now();
    // JSON.parse only (no schema check): the client's own cost should stay small next to the server's.
    const line = JSON.parse(event.data) as LogLine;
    if (line.phase === 'run') onLine(line.line, at, line);
  }
  if (!ended) throw new Error(`the log stream of ${created.id} closed without an end event`);
  return { id: created.id, events };
}

async function buildImage(tag: string, files: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-bench-img-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    await run('docker', ['build', '-q', '-t', tag, dir], { timeout: 120_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU seconds each part of the system used between two snapshots, largest first, as text. */
function cpuUsed(before: Map<number, ProcCpu>, cluster: Cluster): string {
  const after = cpuSnapshot();
  const roles = new Map<number | undefined, string>([
    [cluster.scheduler.child.pid, 'scheduler'],
    [[...cluster.agents.values()][0]?.child.pid, 'agent'],
    [process.pid, 'this client'],
  ]);
  const sums = new Map<string, number>();
  for (const [pid, { comm, ms }] of after) {
    const role = roles.get(pid) ?? (/^containerd/.test(comm) ? 'containerd' : ['dockerd', 'redis-server'].includes(comm) ? comm : 'other');
    sums.set(role, (sums.get(role) ?? 0) + ms - (before.get(pid)?.ms ?? 0));
  }
  return [...sums].sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms >= 50).map(([role, ms]) => `${role} ${round(ms / 1000, 1)}`).join(', ');
}

async function throughput(docker: Docker, cluster: Cluster, image: string, lines: number): Promise<{ rows: Row[]; notes: string[] }> {
  const env = { LINES: String(lines) };
  const raw = new SequenceCheck(lines);
  const cpuRaw0 = cpuSnapshot();
  const reread = await followRaw(docker, rawSpec(image, env, 0.25), (line, at) => raw.add(Number(line), at));
  const cpuRaw = cpuUsed(cpuRaw0, cluster);
  const draas = new SequenceCheck(lines);
  const cpuDraas0 = cpuSnapshot();
  const t0 = performance.now();
  await followDraas(cluster, { image, env, restart: 'no' }, (text, at) => draas.add(Number(text), at));
  const total = performance.now() - t0;
  const cpuDraas = cpuUsed(cpuDraas0, cluster);
  const rate = draas.rate;
  const bad = (c: SequenceCheck) => c.reordered + c.duplicates + c.foreign;
  return {
    rows: [
      { metric: `throughput (${lines.toLocaleString('en')} lines)`, value: rate, unit: 'lines/s', baseline: raw.rate, goal: '≥ 0.9× raw', met: rate >= 0.9 * raw.rate },
      { metric: 'lines lost', value: draas.lost, unit: 'lines', baseline: raw.lost, goal: '0', met: draas.lost === 0 },
      { metric: 'lines out of order / repeated', value: bad(draas), unit: 'lines', baseline: bad(raw), goal: '0', met: bad(draas) === 0 },
    ],
    notes: [
      `throughput: \`seq 1 ${lines}\` in draas/busybox:local; rate = lines received / time from the first to the last, as this client received them (DRaaS ${draas.received.toLocaleString('en')} lines in ${round((draas.last - draas.first) / 1000, 2)} s, ${round(total / 1000, 2)} s from POST to \`end\`; raw ${raw.received.toLocaleString('en')} lines in ${round((raw.last - raw.first) / 1000, 2)} s). DRaaS: image deployment (restart no, default 256m / 0.25 CPU), \`GET /api/deployments/:id/logs?follow=1\` opened right after the 202, run lines counted until the \`end\` event, each event through the CLI's SSE parser and JSON.parse; LOG_HISTORY_LINES at its default (10,000). Baseline: the same image and limits started with dockerode, \`logs({follow})\` + demuxStream until the stream ends${reread ? ` (it ended early, a Docker 20.10 bug the agent also works around: ${reread.toLocaleString('en')} lines came from one more read of the ended container's log)` : ''}; engine-default json-file without a size cap (the agent sets 10m × 3).`,
      `lost lines, DRaaS: ${draas.missing()}. CPU seconds used during the run (whole machine, 2 cores) — DRaaS: ${cpuDraas}; raw: ${cpuRaw}.`,
    ],
  };
}

interface Segments {
  /** emit → the agent read it (the line's \`time\`, taken by the agent on Redis's clock = this host's). */
  read: number[];
  /** agent read → appended to the Redis stream (the line id's milliseconds). */
  ship: number[];
  /** appended → arrived here over SSE (pub/sub, scheduler, HTTP, this client's parsing). */
  deliver: number[];
}

/** Latency of every line: arrival (this process's clock) minus the emit time it carries (the container's, the same clock here). */
function latencyCollector(expected: number) {
  const check = new SequenceCheck(expected);
  const latencies: number[] = [];
  const segments: Segments = { read: [], ship: [], deliver: [] };
  return {
    check,
    latencies,
    segments,
    onLine(text: string, _at: number, line?: LogLine) {
      const now = Date.now();
      const [n, emitted] = text.split(' ').map(Number);
      if (n === undefined || emitted === undefined) return;
      check.add(n, performance.now());
      if (!Number.isFinite(emitted)) return;
      latencies.push(now - emitted);
      if (line) {
        const appended = Number(line.id.split('-')[0]);
        segments.read.push(line.time - emitted);
        segments.ship.push(appended - line.time);
        segments.deliver.push(now - appended);
      }
    },
  };
}

async function latency(docker: Docker, cluster: Cluster, image: string, seconds: number): Promise<{ rows: Row[]; notes: string[] }> {
  const rate = 10_000;
  const env = { RATE: String(rate), SECONDS: String(seconds) };
  const expected = rate * seconds;
  // One whole CPU for the emitter on both sides, so that CPU throttling of the producer is not measured.
  const raw = latencyCollector(expected);
  await followRaw(docker, rawSpec(image, env, 1), raw.onLine);
  const draas = latencyCollector(expected);
  await followDraas(cluster, { image, env, cpus: 1, restart: 'no' }, draas.onLine);
  const p99 = percentile(draas.latencies, 99);
  const bad = (c: SequenceCheck) => c.lost + c.reordered + c.duplicates + c.foreign;
  const segment = (name: string, values: number[]) => `${name} p50 ${percentile(values, 50)} / p99 ${percentile(values, 99)} / max ${Math.max(...values)} ms`;
  return {
    rows: [
      { metric: 'latency p50 at 10,000 lines/s', value: percentile(draas.latencies, 50), unit: 'ms', baseline: percentile(raw.latencies, 50) },
      { metric: 'latency p99 at 10,000 lines/s', value: p99, unit: 'ms', baseline: percentile(raw.latencies, 99), goal: '≤ 250 ms', met: p99 <= 250 },
      { metric: 'latency max', value: Math.max(...draas.latencies), unit: 'ms', baseline: Math.max(...raw.latencies) },
      { metric: 'latency run: lines lost / out of order', value: bad(draas.check), unit: 'lines', baseline: bad(raw.check), goal: '0', met: bad(draas.check) === 0 },
    ],
    notes: [
      `latency: a node script in draas/node:local prints ${rate.toLocaleString('en')} lines/s for ${seconds} s (${expected.toLocaleString('en')} lines, a batch every 10 ms, 1 CPU on both sides), each line carrying Date.now() at emit; latency = arrival here − emit (the container's clock is the host's). Received DRaaS ${Math.round(draas.check.rate)} lines/s, raw ${Math.round(raw.check.rate)} lines/s. DRaaS by segment: ${segment('emit → agent read', draas.segments.read)}; ${segment('read → in Redis', draas.segments.ship)}; ${segment('Redis → client', draas.segments.deliver)}.`,
    ],
  };
}

const bench: Bench = async ({ quick, redisUrl }) => {
  const lines = quick ? 100_000 : 500_000;
  const seconds = quick ? 2 : 10;
  const suffix = randomBytes(4).toString('hex');
  const seqImage = `draas-bench/seq:${suffix}`;
  const emitImage = `draas-bench/emit:${suffix}`;
  const docker = new Docker();
  const removeImages = async () => {
    for (const image of [seqImage, emitImage]) await removeTestImage(image).catch(() => undefined);
  };
  // The images are built while the cluster starts (nothing is measured yet).
  const [clusterResult, ...images] = await Promise.allSettled([
    startCluster(redisUrl),
    buildImage(seqImage, { Dockerfile: 'FROM draas/busybox:local\nCMD ["sh", "-c", "seq 1 $LINES"]\n' }),
    buildImage(emitImage, { Dockerfile: 'FROM draas/node:local\nCOPY emit.js /emit.js\nCMD ["node", "/emit.js"]\n', 'emit.js': EMITTER }),
  ]);
  const failed = [clusterResult, ...images].find((r) => r.status === 'rejected');
  if (failed || clusterResult.status === 'rejected') {
    if (clusterResult.status === 'fulfilled') await clusterResult.value.close();
    await removeImages();
    throw (failed as PromiseRejectedResult).reason;
  }
  const cluster = clusterResult.value;
  try {
    await cluster.startAgent('bench-logs', { HEARTBEAT_MS: '2000' });
    const cpu0 = cpuSnapshot();
    const t0 = performance.now();
    const a = await throughput(docker, cluster, seqImage, lines);
    const b = await latency(docker, cluster, emitImage, seconds);
    const other = otherCpuSeconds(cpu0);
    const wall = (performance.now() - t0) / 1000;
    return {
      name: 'logs',
      rows: [...a.rows, ...b.rows],
      notes: [...a.notes, ...b.notes, `other work on the machine (not this benchmark, not the Docker engine) during the measurements: ${round(other, 1)} CPU s in ${round(wall, 1)} s (${Math.round((100 * other) / wall / os.cpus().length)} % of the machine).`],
    };
  } finally {
    await cluster.close();
    await removeImages();
  }
};

export default bench;
