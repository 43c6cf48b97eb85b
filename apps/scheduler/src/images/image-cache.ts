import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { Logger } from '../logger.js';

export interface CachedImage {
  file: string;
  bytes: number;
}

/**
 * Images saved (`docker save`) for agents to download, one tar per content id: ten agents asking for
 * one image cost one save. Bounded in size: when a new save goes over, the least recently served
 * tars are dropped (a download under way keeps reading its open file).
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
    const cached = await stat(file).catch(() => null);
    if (cached) {
      const now = new Date();
      await utimes(file, now, now);
      return { file, bytes: cached.size };
    }
    let saving = this.saving.get(imageId);
    if (!saving) {
      saving = this.save(imageId, file).finally(() => this.saving.delete(imageId));
      this.saving.set(imageId, saving);
    }
    return saving;
  }

  private fileOf(imageId: string): string {
    return path.join(this.dir, `${imageId.replace(/^sha256:/, '')}.tar`);
  }

  private async save(imageId: string, file: string): Promise<CachedImage | null> {
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
      await pipeline((await image.get()) as unknown as Readable, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, file);
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
