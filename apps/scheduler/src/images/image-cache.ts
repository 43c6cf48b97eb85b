import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { Logger } from '../logger.js';

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
    const ready = (await this.cached(file)) ?? (await this.saving.get(imageId));
    if (ready !== undefined) return ready;
    const started = await this.startSave(imageId, file, null);
    return started && started.saved;
  }

  /** The tar to send for this id; null when the engine has no such image. */
  async open(imageId: string): Promise<ServedImage | null> {
    const file = this.fileOf(imageId);
    const ready = (await this.cached(file)) ?? (await this.saving.get(imageId));
    if (ready === null) return null;
    if (ready) return { stream: createReadStream(ready.file), bytes: ready.bytes };
    const live = new PassThrough({ highWaterMark: 1 << 20 });
    const started = await this.startSave(imageId, file, live);
    return started && { stream: live, bytes: null };
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
   * Starts the save (null when the engine has no such image) and returns once the engine has begun
   * to write it; `saved` settles when the file is complete. `live`, if given, gets every byte too.
   */
  private async startSave(imageId: string, file: string, live: PassThrough | null): Promise<{ saved: Promise<CachedImage | null> } | null> {
    let begun!: (source: Readable | null) => void;
    const beginning = new Promise<Readable | null>((resolve) => (begun = resolve));
    const saved = this.save(imageId, file, live, begun).finally(() => this.saving.delete(imageId));
    this.saving.set(imageId, saved);
    // Whoever waits for the file (or reads `live`) gets the failure too; this records it for the operator.
    saved.catch((err: Error) => this.logger.error({ err, imageId }, 'saving an image for agents failed'));
    // A failure before the engine began is the caller's; one after it reaches `saved` (and `live`).
    const source = await Promise.race([beginning, saved.then(() => null)]);
    if (source === null && (await saved) === null) return null;
    return { saved };
  }

  private async save(imageId: string, file: string, live: PassThrough | null, begun: (source: Readable | null) => void): Promise<CachedImage | null> {
    const image = this.docker.getImage(imageId);
    try {
      await image.inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return null;
      throw err;
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.partial`;
    const started = Date.now();
    try {
      const source = (await image.get()) as unknown as Readable;
      begun(source);
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
