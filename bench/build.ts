// Build: the same context uploaded as a ZIP through the API and built (POST until the deployment is
// `built`) against dockerode's buildImage of that context in this script (tar-fs, the scheduler's
// build options). Then the identical ZIP uploaded again: the image is reused by archive hash.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { pack } from 'tar-fs';
import { startCluster, zipFolder, type Cluster } from '../test/harness.js';
import { watchEvents, type EventWatch } from './events.js';
import { cpuSnapshot, otherCpuSeconds, percentile, round, type Bench } from './lib.js';

/** One RUN step that really works (a container writes 500 files, tars and hashes them), ~2 s here. */
const DOCKERFILE = `FROM draas/busybox:local
COPY . /src
RUN mkdir -p /data && for i in $(seq 1 500); do echo "file $i $(cat /src/nonce.txt)" > /data/f$i; done && tar -czf /data.tgz /data && sha256sum /data.tgz > /data.sum
CMD ["cat", "/data.sum"]
`;
/** The scheduler's default BUILD_MEMORY. */
const BUILD_MEMORY = 2 * 1024 ** 3;
const BUILD_TIMEOUT_MS = 120_000;

/** A new nonce makes the context unique, so no layer after `COPY . /src` can come from the cache. */
function writeContext(dir: string): void {
  writeFileSync(path.join(dir, 'Dockerfile'), DOCKERFILE);
  writeFileSync(path.join(dir, 'nonce.txt'), `${randomBytes(16).toString('hex')}\n`);
}

/** dockerode's build of the folder, the way apps/scheduler/src/builder/docker-build.ts calls it (plus nocache). */
async function rawBuild(docker: Docker, dir: string, tag: string): Promise<number> {
  const t0 = performance.now();
  const stream = await docker.buildImage(Readable.from(pack(dir)), {
    t: tag,
    dockerfile: 'Dockerfile',
    memory: BUILD_MEMORY,
    memswap: BUILD_MEMORY,
    forcerm: true,
    rm: true,
    nocache: true,
    labels: { 'draas.bench': 'build' },
    abortSignal: AbortSignal.timeout(BUILD_TIMEOUT_MS),
  });
  let error: string | null = null;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: { error?: string }) => {
        if (event.error) error = event.error;
      },
    );
  });
  if (error !== null) throw new Error(`raw build failed: ${error}`);
  return performance.now() - t0;
}

/** Resolves with the time the deployment reached `status`; rejects when it failed or took too long. */
async function until(cluster: Cluster, events: EventWatch, id: string, status: string, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      events.when(id, status),
      events.when(id, 'failed').then(async () => {
        throw new Error(`deployment ${id} failed: ${(await cluster.deployment(id)).error ?? '?'}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`deployment ${id} not ${status} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** POST of the ZIP until `built`, in ms, and where that time went as this client saw it. */
async function draasBuild(cluster: Cluster, events: EventWatch, zip: Buffer): Promise<{ ms: number; id: string; phases: Phases }> {
  const t0 = performance.now();
  const created = await cluster.upload(zip, { name: 'bench-build', restart: 'no' });
  const accepted = performance.now();
  const built = await until(cluster, events, created.id, 'built', BUILD_TIMEOUT_MS);
  // A reused image goes from queued to built directly: no `building` event.
  const building = (await Promise.race([events.when(created.id, 'building'), Promise.resolve(null)])) ?? built;
  return { ms: built - t0, id: created.id, phases: { upload: accepted - t0, pickup: building - accepted, build: built - building } };
}

/** POST → 202 (upload, archive checks, record, queue); 202 → `building` event; `building` → `built` event. */
interface Phases {
  upload: number;
  pickup: number;
  build: number;
}

const bench: Bench = async ({ quick, redisUrl }) => {
  const runs = quick ? 3 : 10;
  const docker = new Docker();
  const rawTags: string[] = [];
  const cluster = await startCluster(redisUrl);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-bench-build-'));
  let events: EventWatch | null = null;
  try {
    events = await watchEvents(cluster);
    // No agent: the deployments stop at `built` (then wait as pending), which is all this measures.
    const cpu0 = cpuSnapshot();
    const t0 = performance.now();
    const raw: number[] = [];
    const draas: number[] = [];
    const phases: Phases[] = [];
    const ids: string[] = [];
    let lastZip: Buffer | null = null;
    // Alternating, so drift in the engine hits both sides alike; in full mode after one warm-up of each.
    const warmUp = quick ? 0 : 1;
    for (let i = 0; i < runs + warmUp; i++) {
      const tag = `draas-bench/build:${randomBytes(4).toString('hex')}`;
      rawTags.push(tag);
      writeContext(dir);
      const rawMs = await rawBuild(docker, dir, tag);
      writeContext(dir);
      lastZip = await zipFolder(dir);
      const run = await draasBuild(cluster, events, lastZip);
      ids.push(run.id);
      if (i >= warmUp) {
        raw.push(rawMs);
        draas.push(run.ms);
        phases.push(run.phases);
      }
    }
    // The identical ZIP again: same sha256, so the build worker only tags the earlier image.
    const again = await draasBuild(cluster, events, lastZip as Buffer);
    ids.push(again.id);
    const other = otherCpuSeconds(cpu0);
    const wall = (performance.now() - t0) / 1000;
    for (const id of ids) await (await cluster.api(`/api/deployments/${id}/cancel`, { method: 'POST' })).arrayBuffer();

    const p50 = percentile(draas, 50);
    const p50raw = percentile(raw, 50);
    return {
      name: 'build',
      rows: [
        { metric: 'p50 upload → built', value: p50, unit: 'ms', baseline: p50raw, goal: 'ratio ≤ 1.1', met: p50 / p50raw <= 1.1 },
        { metric: 'p90 upload → built', value: percentile(draas, 90), unit: 'ms', baseline: percentile(raw, 90) },
        { metric: 'p50 overhead', value: p50 - p50raw, unit: 'ms' },
        { metric: 'identical ZIP again → built', value: again.ms, unit: 'ms', goal: '< 1 s', met: again.ms < 1000 },
      ],
      notes: [
        `${runs} builds each way${quick ? '' : ' (after one warm-up of each)'}, alternating; context: a Dockerfile FROM draas/busybox:local whose one RUN step writes 500 files and tars them (${round(p50raw / 1000, 1)} s with raw dockerode here). DRaaS: multipart POST of the ZIP until "built" on /api/events (no agent, so nothing is placed); baseline: dockerode buildImage of a tar-fs pack of the same folder, memory 2g, forcerm, as the scheduler builds.`,
        'Caching: the baseline builds with nocache; every DRaaS upload carries a fresh random nonce file, copied before the RUN step, so its build cannot take any layer from the cache either (only the FROM image is shared, by both sides). The last row uploads the last ZIP a second time unchanged, which the scheduler answers by re-tagging the image it built for that archive hash.',
        `DRaaS p50 by phase: POST → 202 ${Math.round(percentile(phases.map((p) => p.upload), 50))} ms, 202 → "building" ${Math.round(percentile(phases.map((p) => p.pickup), 50))} ms, "building" → "built" ${Math.round(percentile(phases.map((p) => p.build), 50))} ms (unpack, tar, engine build, tag, status; the raw p50 is ${Math.round(p50raw)} ms).`,
        `raw runs (ms): ${raw.map((v) => Math.round(v)).join(', ')}; DRaaS runs (ms): ${draas.map((v) => Math.round(v)).join(', ')}. Other work on the machine (not this benchmark, not the Docker engine) meanwhile: ${round(other, 1)} CPU s in ${round(wall, 1)} s (${Math.round((100 * other) / wall / os.cpus().length)} % of the machine).`,
      ],
    };
  } finally {
    events?.close();
    await cluster.close();
    for (const tag of rawTags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
