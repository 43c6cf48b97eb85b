import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { Logger } from '../logger.js';
import { localImageId } from './local-image.js';

export interface CachedImage {
  file: string;
  bytes: number;
}

/** An image tar to send; `bytes` is null while it is still being saved (sent as the engine writes it). */
export interface ServedImage {
  stream: Readable;
  bytes: number | null;
}

/**
 * Images saved (`docker save`) for agents to download, one tar per content id: ten agents asking for
 * one image cost one save. The first asker of an image not saved yet gets the save as the engine
 * writes it, while it also goes to the cache, so a cold download is one trip through the engine, not
 * a save and then a send; the others wait for the file. Bounded in size: when a new save goes over,
 * the least recently served tars are dropped (a download under way keeps reading its open file).
 */
export class ImageCache {
  private readonly saving = new Map<string, Promise<CachedImage | null>>();

  constructor(
    private readonly docker: Docker,
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly logger: Logger,
  ) {}

  /** The tar of the image with this id, saved first if needed; null when the engine has no such image. */
  async get(imageId: string): Promise<CachedImage | null> {
    const file = this.fileOf(imageId);
    const cached = await this.cached(file);
    if (cached) return cached;
    // No await between looking for a save under way and starting one: two callers cannot both start.
    return this.saving.get(imageId) ?? this.startSave(imageId, file, null).saved;
  }

  /** The tar to send for this id; null when the engine has no such image. */
  async open(imageId: string): Promise<ServedImage | null> {
    const file = this.fileOf(imageId);
    const ready = (await this.cached(file)) ?? this.saving.get(imageId);
    if (ready === undefined) {
      const live = new PassThrough({ highWaterMark: 1 << 20 });
      return (await this.startSave(imageId, file, live).source) ? { stream: live, bytes: null } : null;
    }
    const saved = await ready;
    return saved && { stream: createReadStream(saved.file), bytes: saved.bytes };
  }

  private fileOf(imageId: string): string {
    return path.join(this.dir, `${imageId.replace(/^sha256:/, '')}.tar`);
  }

  private async cached(file: string): Promise<CachedImage | null> {
    const found = await stat(file).catch(() => null);
    if (!found) return null;
    const now = new Date();
    await utimes(file, now, now);
    return { file, bytes: found.size };
  }

  /**
   * Starts a save and keeps it in `saving` at once. `source` settles once the engine has begun to write
   * the image (null: it has no such image); `saved` when the file is complete. `live`, if given, gets
   * every byte too.
   */
  private startSave(imageId: string, file: string, live: PassThrough | null): { source: Promise<Readable | null>; saved: Promise<CachedImage | null> } {
    const source = (async () => ((await localImageId(this.docker, imageId)) === null ? null : ((await this.docker.getImage(imageId).get()) as unknown as Readable)))();
    const saved = source.then((tar) => tar && this.write(imageId, tar, file, live)).finally(() => this.saving.delete(imageId));
    this.saving.set(imageId, saved);
    // Whoever waits for the file (or reads `live`) gets the failure too; this records it for the operator.
    saved.catch((err: Error) => this.logger.error({ err, imageId }, 'saving an image for agents failed'));
    return { source, saved };
  }

  private async write(imageId: string, source: Readable, file: string, live: PassThrough | null): Promise<CachedImage> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.partial`;
    const started = Date.now();
    try {
      const out = createWriteStream(partial, { mode: 0o600, highWaterMark: 1 << 20 });
      await (live ? pipeline(source, alsoTo(live), out) : pipeline(source, out));
      await rename(partial, file);
    } catch (err) {
      live?.destroy(err as Error);
      throw err;
    } finally {
      await rm(partial, { force: true });
    }
    const { size } = await stat(file);
    this.logger.info({ imageId, bytes: size, ms: Date.now() - started }, 'image saved for agents to download');
    await this.trim(file);
    return { file, bytes: size };
  }

  /** Drops the least recently served tars until the rest fit (never the one just saved). */
  private async trim(keep: string): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.tar'));
    const files = await Promise.all(
      names.map(async (n) => {
        const file = path.join(this.dir, n);
        const s = await stat(file).catch(() => null);
        return s && { file, bytes: s.size, used: s.mtimeMs };
      }),
    );
    const present = files.filter((f) => f !== null).sort((a, b) => a.used - b.used);
    let total = present.reduce((sum, f) => sum + f.bytes, 0);
    for (const f of present) {
      if (total <= this.maxBytes) break;
      if (f.file === keep) continue;
      await rm(f.file, { force: true });
      total -= f.bytes;
      this.logger.info({ file: f.file, bytes: f.bytes }, 'image cache over IMAGE_CACHE_SIZE: dropped the least recently served');
    }
  }
}

/**
 * Passes every chunk on (to the cache file) and copies it to `live` (a download), at the download's
 * pace; a download that goes away stops slowing the save, which carries on to the end.
 */
function alsoTo(live: PassThrough): Transform {
  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding, done) {
      if (live.destroyed || live.writableEnded || live.write(chunk)) return done(null, chunk);
      const go = () => {
        live.off('drain', go);
        live.off('close', go);
        done(null, chunk);
      };
      live.once('drain', go);
      live.once('close', go);
    },
    flush(done) {
      live.end();
      done();
    },
  });
}
