import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';

const Saved = z.record(z.string().regex(/^sha256:[a-f0-9]{64}$/), z.number());

export interface ImageCollectorDeps {
  runtime: Pick<DockerRuntime, 'imageInUse' | 'removeImage'>;
  /** Where the fetched images are remembered across restarts (in AGENT_DATA_DIR). */
  file: string;
  /** An image no container has used for this long is removed. */
  unusedMs: number;
  log: Logger;
}

/**
 * Removes the images this agent fetched (pulled or downloaded) once no container, DRaaS's or
 * anyone's, has used them for AGENT_IMAGE_GC_SECONDS, so that a machine's disk does not fill with
 * every image it ever ran. Images that were on the engine before, or that someone else put there,
 * are never touched.
 */
export class ImageCollector {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;

  private constructor(
    private readonly deps: ImageCollectorDeps,
    /** Image id → when a container last used it (ms). */
    private readonly images: Map<string, number>,
  ) {}

  static async open(deps: ImageCollectorDeps): Promise<ImageCollector> {
    const text = await readFile(deps.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    let saved: Record<string, number> = {};
    if (text !== null) {
      const parsed = Saved.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${deps.file} is not a list of image ids and times; fix or delete it`);
      saved = parsed.data;
    }
    return new ImageCollector(deps, new Map(Object.entries(saved)));
  }

  /** A deploy uses the image: remember it when this agent fetched it, and when it was last used. */
  async used(imageId: string, fetched: boolean, now = Date.now()): Promise<void> {
    if (!fetched && !this.images.has(imageId)) return;
    this.images.set(imageId, now);
    if (fetched) await this.save();
  }

  /** One pass; returns the ids removed. */
  async sweep(now = Date.now()): Promise<string[]> {
    const removed: string[] = [];
    for (const [id, lastUsed] of [...this.images]) {
      if (await this.deps.runtime.imageInUse(id)) {
        this.images.set(id, now);
        continue;
      }
      if (now - lastUsed < this.deps.unusedMs) continue;
      const outcome = await this.deps.runtime.removeImage(id);
      // 'in-use': a container appeared meanwhile; kept, and looked at again next time.
      if (outcome === 'in-use') continue;
      this.images.delete(id);
      if (outcome === 'removed') removed.push(id);
    }
    if (removed.length) this.deps.log.info({ images: removed }, 'removed images this agent fetched and nothing used for a while');
    await this.save();
    return removed;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'image clean-up pass failed; trying again later'))
        .finally(() => (this.sweeping = null));
    }, intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  private async save(): Promise<void> {
    await mkdir(path.dirname(this.deps.file), { recursive: true, mode: 0o700 });
    const partial = `${this.deps.file}.partial`;
    await writeFile(partial, JSON.stringify(Object.fromEntries(this.images)), { mode: 0o600 });
    await rename(partial, this.deps.file);
  }
}
