// The build worker's decisions over the in-memory cluster (harness.ts), with build tools that stand
// for the engine (the real build is tested against Docker in docker-build.int.test.ts and test/).
import { DEFAULT_HEALTH, newDeploymentRecord, type DeploymentRecord } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { BadArchive } from '../errors.js';
import { Harness } from '../harness.js';
import type { BuildTools } from './build-tools.js';
import { buildDeployment } from './build-worker.js';
import type { BuildOutcome } from './docker-build.js';

const SHA = 'f'.repeat(64);
const IMAGE_ID = `sha256:${'b'.repeat(64)}`;

/** An engine and a disk in memory: builds print lines then end as told; images are a map. */
class Engine implements BuildTools {
  images = new Map<string, string>();
  built = new Map<string, string>();
  uploads = new Set<string>();
  builds = 0;
  outcome: BuildOutcome | Error = { ok: true };
  registry: { ref: string; server: string } | null = null;
  pushFails = false;
  pushed: string[] = [];

  async build(_id: string, tag: string, _attempt: number, _signal: AbortSignal, onLines: (lines: string[]) => void): Promise<BuildOutcome> {
    this.builds++;
    onLines(Array.from({ length: 20 }, (_, i) => `step ${i + 1}`));
    if (this.outcome instanceof Error) throw this.outcome;
    if (this.outcome.ok) this.images.set(tag, IMAGE_ID);
    return this.outcome;
  }
  async imageId(tag: string) {
    return this.images.get(tag) ?? null;
  }
  async retag(previous: string, tag: string) {
    const id = this.images.get(previous);
    if (!id) return false;
    this.images.set(tag, id);
    return true;
  }
  registryTarget() {
    return this.registry;
  }
  async push(_tag: string, ref: string, onLines: (lines: string[]) => void) {
    onLines([`pushing ${ref}: layer 1`]);
    if (this.pushFails) throw new Error('registry answered 503');
    this.pushed.push(ref);
  }
  async builtBefore(sha256: string) {
    return this.built.get(sha256) ?? null;
  }
  async rememberBuilt(sha256: string, tag: string) {
    this.built.set(sha256, tag);
  }
  async removeUpload(id: string) {
    this.uploads.delete(id);
  }
}

function upload(h: Harness, id = 'upload000001'): DeploymentRecord {
  const now = new Date(h.cluster.now()).toISOString();
  const spec = { name: 'site', env: {}, ports: [], memoryBytes: 64 * 1024 ** 2, milliCpus: 100, constraints: [], replicas: 1, restart: { policy: 'no' as const, maxRetries: null }, strategy: 'spread' as const, health: DEFAULT_HEALTH };
  const record = newDeploymentRecord(id, { kind: 'archive', filename: 'site.zip', bytes: 10, sha256: SHA }, spec, null, now);
  h.cluster.addDeployment(record);
  return record;
}

const build = (h: Harness, engine: Engine, id: string) => buildDeployment(h.s, engine, id, new AbortController().signal, 0);

describe('the build worker', () => {
  it('builds, records the image, keeps every output line, removes the upload and asks for placement', async () => {
    const h = new Harness();
    const engine = new Engine();
    const d = upload(h);
    engine.uploads.add(d.id);
    await build(h, engine, d.id);
    const record = await h.cluster.deployment(d.id);
    expect(record).toMatchObject({ status: 'built', image: `draas/site:${d.id}`, imageId: IMAGE_ID, error: null });
    expect(h.cluster.logLines(d.id).filter((l) => l.startsWith('step '))).toHaveLength(20);
    expect(h.cluster.logLines(d.id)).toContain(`built draas/site:${d.id} (${IMAGE_ID.slice(0, 19)})`);
    expect(engine.uploads.has(d.id)).toBe(false);
    expect([...h.cluster.placementQueue.keys()]).toEqual([d.id]);
    expect(h.cluster.events.map((e) => e.status)).toEqual(['building', 'built']);
  });

  it('reuses the image of an identical archive without building', async () => {
    const h = new Harness();
    const engine = new Engine();
    await build(h, engine, upload(h, 'upload000001').id);
    const again = upload(h, 'upload000002');
    await build(h, engine, again.id);
    expect(engine.builds).toBe(1);
    expect(await h.cluster.deployment(again.id)).toMatchObject({ status: 'built', image: `draas/site:${again.id}`, imageId: IMAGE_ID });
    expect(h.cluster.logLines(again.id)[0]).toBe(`same archive as draas/site:upload000001: reusing its image`);
  });

  it('builds again when the earlier image was pruned', async () => {
    const h = new Harness();
    const engine = new Engine();
    engine.built.set(SHA, 'draas/site:gone00000000');
    const d = upload(h);
    await build(h, engine, d.id);
    expect(engine.builds).toBe(1);
    expect((await h.cluster.deployment(d.id))?.status).toBe('built');
  });

  it('fails the deployment with the error and the last lines of output when the build fails', async () => {
    const h = new Harness();
    const engine = new Engine();
    engine.outcome = { ok: false, reason: 'failed', error: 'RUN exited with 2' };
    const d = upload(h);
    engine.uploads.add(d.id);
    await build(h, engine, d.id);
    const record = await h.cluster.deployment(d.id);
    expect(record?.status).toBe('failed');
    expect(record?.error).toBe(['build failed: RUN exited with 2', ...Array.from({ length: 15 }, (_, i) => `step ${i + 6}`)].join('\n'));
    expect(engine.uploads.has(d.id)).toBe(false);
    expect(h.cluster.placementQueue.size).toBe(0);
  });

  it('fails a bad archive for good, and lets an engine failure be retried', async () => {
    const h = new Harness();
    const engine = new Engine();
    engine.outcome = new BadArchive('no Dockerfile at the top of the archive');
    const bad = upload(h, 'upload000001');
    await build(h, engine, bad.id);
    expect(await h.cluster.deployment(bad.id)).toMatchObject({ status: 'failed', error: 'build failed: no Dockerfile at the top of the archive\n' + Array.from({ length: 15 }, (_, i) => `step ${i + 6}`).join('\n') });

    engine.outcome = new Error('connect ENOENT /var/run/docker.sock');
    const retried = upload(h, 'upload000002');
    await expect(build(h, engine, retried.id)).rejects.toThrow(/ENOENT/);
    expect((await h.cluster.deployment(retried.id))?.status).toBe('building');
  });

  it('leaves an aborted build as cancel left it', async () => {
    const h = new Harness();
    const engine = new Engine();
    const d = upload(h);
    engine.outcome = { ok: false, reason: 'aborted', error: 'aborted' };
    await build(h, engine, d.id);
    expect((await h.cluster.deployment(d.id))?.status).toBe('building');
    await h.cancel(d.id);
    expect((await h.cluster.deployment(d.id))?.status).toBe('cancelled');
    await build(h, engine, d.id);
    expect(engine.builds).toBe(1);
  });

  it('pushes to the registry; a failed push falls back to downloads from the scheduler', async () => {
    const h = new Harness();
    const engine = new Engine();
    engine.registry = { ref: 'registry.local:5000/draas/site:upload000001', server: 'registry.local:5000' };
    const pushed = upload(h, 'upload000001');
    await build(h, engine, pushed.id);
    expect((await h.cluster.deployment(pushed.id))?.image).toBe('registry.local:5000/draas/site:upload000001');

    engine.pushFails = true;
    engine.built.clear();
    const local = upload(h, 'upload000002');
    await build(h, engine, local.id);
    expect((await h.cluster.deployment(local.id))?.image).toBe(`draas/site:${local.id}`);
    expect(h.cluster.logLines(local.id)).toContain(
      'push to registry.local:5000 failed (registry answered 503); agents will download the image from the scheduler',
    );
  });

  it('only hands over to placement when the image was recorded before a crash', async () => {
    const h = new Harness();
    const engine = new Engine();
    const d = upload(h);
    await h.s.planner.updateDeployment(d.id, (c) => ({ ...c, status: 'built', image: 'draas/site:x', imageId: IMAGE_ID }));
    await build(h, engine, d.id);
    expect(engine.builds).toBe(0);
    expect([...h.cluster.placementQueue.keys()]).toEqual([d.id]);
  });
});
