// Shared pieces of the benchmarks: a private Redis, the results table, RESULTS.md.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, REPO_ROOT, startLocalRedis, type LocalRedis } from '../scripts/local-redis.js';

export interface Row {
  metric: string;
  /** DRaaS's figure. */
  value: number;
  unit: string;
  /** The same figure for the baseline measured in the same run (raw dockerode, raw BullMQ, ...). */
  baseline?: number;
  /** The goal, in words, and whether this run met it. */
  goal?: string;
  met?: boolean;
}

export interface BenchResult {
  name: string;
  rows: Row[];
  notes: string[];
}

export interface BenchOptions {
  quick: boolean;
  redisUrl: string;
}

export type Bench = (options: BenchOptions) => Promise<BenchResult>;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

function cell(row: Row): string[] {
  const ratio = row.baseline ? `${round(row.value / row.baseline, 2)}×` : '';
  const goal = row.goal ? `${row.goal} ${row.met === undefined ? '' : row.met ? '✔' : '✘'}` : '';
  return [row.metric, `${round(row.value)} ${row.unit}`, row.baseline === undefined ? '' : `${round(row.baseline)} ${row.unit}`, ratio, goal];
}

export function markdownTable(result: BenchResult): string {
  const lines = [`| ${result.name} | DRaaS | baseline | ratio | goal |`, '|---|---|---|---|---|'];
  for (const row of result.rows) lines.push(`| ${cell(row).join(' | ')} |`);
  return [...lines, ...result.notes.map((n) => `\n- ${n}`)].join('\n');
}

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? '?';
  } catch {
    return '?';
  }
}

export function environment(): string {
  const pkg = (name: string) => (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return [
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
    `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    `node ${process.version}`,
    `docker ${version('docker', ['version', '--format', '{{.Server.Version}}'])}`,
    version('redis-server', ['--version']).split(' ').slice(0, 3).join(' '),
    `bullmq ${pkg('bullmq')}`,
    `ioredis ${pkg('ioredis')}`,
    `dockerode ${pkg('dockerode')}`,
  ].join(', ');
}

export function appendResults(results: readonly BenchResult[], quick: boolean): string {
  const file = path.join(REPO_ROOT, 'bench/RESULTS.md');
  if (!existsSync(file)) writeFileSync(file, '# Benchmark results\n\nAppended by `npm run bench`; the newest run is last. Ratios compare DRaaS with a baseline measured in the same run.\n');
  const section = [`\n## ${new Date().toISOString()}${quick ? ' (quick)' : ''}`, '', environment(), '', ...results.map((r) => `${markdownTable(r)}\n`)].join('\n');
  appendFileSync(file, section);
  return file;
}

/** A private Redis for one benchmark run, from the project's redis.conf (in memory only). */
export async function benchRedis(): Promise<{ redis: LocalRedis; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-bench-redis-'));
  const redis = await startLocalRedis({ dataDir: dir, port: await freePort(), persistent: false });
  return { redis, dir };
}

export function cleanupDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time of one process (user + system, ms, from /proc/<pid>/stat), its name and its parent. */
export interface ProcCpu {
  comm: string;
  ppid: number;
  ms: number;
}

/** Every process's CPU time so far, by pid (Linux; clock ticks taken as 100 per second). */
export function cpuSnapshot(): Map<number, ProcCpu> {
  const out = new Map<number, ProcCpu>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // After the name: state, ppid, ... utime (14th field of stat), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { comm, ppid: Number(fields[1]), ms: (Number(fields[11]) + Number(fields[12])) * 10 });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/**
 * CPU seconds that work other than this benchmark used since `before`: processes that descend neither
 * from this one (DRaaS's processes, the benchmark's Redis) nor from the Docker engine (dockerd,
 * containerd, containers), which every user of the engine shares. Benchmarks put it in a note, so
 * that a run disturbed by other work on the machine (tests, builds) says so.
 */
export function otherCpuSeconds(before: Map<number, ProcCpu>): number {
  const after = cpuSnapshot();
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      const proc = after.get(p);
      if (!proc) return false;
      if (p === process.pid || proc.comm === 'dockerd' || proc.comm.startsWith('containerd')) return true;
      p = proc.ppid;
    }
    return false;
  };
  let ms = 0;
  for (const [pid, proc] of after) if (!ours(pid)) ms += proc.ms - (before.get(pid)?.ms ?? 0);
  return ms / 1000;
}
