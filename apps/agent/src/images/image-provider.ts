import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Redis } from 'ioredis';
import { pullable, registryOf, type DeployJob, type RedisKeys, type RegistryConfig } from '@draas/queue-contracts';
import { ImageUnavailableError } from '../errors/image-unavailable-error.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../redis/redis-clock.js';
import { dockerMessage } from '../runtime/docker-errors.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import { KeyedLock } from '../util/keyed-lock.js';
import type { ImageCollector } from './image-collector.js';

/** A scheduler that has not refreshed its entry for this long is not asked. */
const SCHEDULER_STALE_MS = 30_000;

export interface ImageProviderDeps {
  runtime: Pick<DockerRuntime, 'imageInfo' | 'pullImage' | 'loadImage' | 'tagImage'>;
  redis: Pick<Redis, 'zrangebyscore'>;
  keys: Pick<RedisKeys, 'schedulers'>;
  clock: Clock;
  registry: RegistryConfig | null;
  /** SCHEDULER_URL: asked first. */
  schedulerUrl: string | null;
  /** Bound on one pull or one download. */
  timeoutMs: number;
  /** Told which image each deploy uses, and which ones this agent fetched (null: images are kept). */
  collector: Pick<ImageCollector, 'used'> | null;
}

/** What to create the container from, its id, the ports its image exposes, and how it got here (null: it was here). */
export interface ReadyImage {
  ref: string;
  id: string;
  exposed: string[];
  fetched: string | null;
}

/**
 * Makes sure this engine holds the image a deploy job names (docs/ARCHITECTURE.md, Images), in this
 * order: already here under that name (as `docker run` would use it); here under the job's content id
 * (a download made for another job); pulled from its registry (with REGISTRY_URL's credentials when it
 * is that registry); downloaded from a scheduler's image endpoint with the job's token, and loaded. A
 * build's name is unique to its deployment, so its content is always the one built. One image is
 * fetched once however many jobs ask for it at the same time.
 */
export class ImageProvider {
  private readonly fetching = new KeyedLock();

  constructor(private readonly deps: ImageProviderDeps) {}

  async ensure(job: Pick<DeployJob, 'image' | 'imageId' | 'imageToken'>, log: Logger): Promise<ReadyImage> {
    const ready =
      (await this.present(job)) ?? (await this.fetching.run(job.imageId ?? job.image, async () => (await this.present(job)) ?? this.fetch(job, log)));
    await this.deps.collector?.used(ready.id, ready.fetched !== null);
    return ready;
  }

  /** The image when this engine has it already, by name or by the job's content id (then named as the job says). */
  private async present({ image, imageId }: Pick<DeployJob, 'image' | 'imageId'>): Promise<ReadyImage | null> {
    const named = await this.deps.runtime.imageInfo(image);
    if (named) return { ref: image, id: named.id, exposed: named.exposed, fetched: null };
    if (imageId === null) return null;
    const byId = await this.deps.runtime.imageInfo(imageId);
    if (!byId) return null;
    // A digest reference (name@sha256:…) cannot be made a tag: run that content by its id.
    if (image.includes('@')) return { ref: imageId, id: imageId, exposed: byId.exposed, fetched: null };
    await this.deps.runtime.tagImage(imageId, image);
    return { ref: image, id: imageId, exposed: byId.exposed, fetched: null };
  }

  private async fetch(job: Pick<DeployJob, 'image' | 'imageId' | 'imageToken'>, log: Logger): Promise<ReadyImage> {
    const failures: string[] = [];
    let transient = false;
    if (pullable(job.image)) {
      log.info({ image: job.image }, 'image not on this engine; pulling');
      const started = Date.now();
      try {
        await this.deps.runtime.pullImage(job.image, this.deps.timeoutMs, this.authFor(job.image));
        const ready = await this.present(job);
        if (ready) return { ...ready, fetched: `pulled ${job.image} in ${seconds(started)}` };
        failures.push('the pull ended but the engine still does not have it');
      } catch (err) {
        failures.push(`pull: ${dockerMessage(err)}`);
      }
    }
    if (job.imageId !== null && job.imageToken !== null) {
      const urls = await this.schedulerUrls();
      if (urls.length === 0) {
        failures.push('no scheduler has said in the last 30 s where it can be reached (is one running on this Redis? set SCHEDULER_URL?)');
        transient = true;
      }
      for (const url of urls) {
        log.info({ image: job.image, imageId: job.imageId, from: url }, 'downloading the image from a scheduler');
        const started = Date.now();
        const result = await this.download(url, job.imageId, job.imageToken);
        if (result === 'loaded') {
          const ready = await this.present(job);
          if (ready) return { ...ready, fetched: `downloaded ${job.image} (${job.imageId.slice(0, 19)}) from the scheduler at ${url} in ${seconds(started)}` };
          failures.push(`${url}: the loaded image is not ${job.imageId}`);
        } else {
          failures.push(`${url}: ${result.error}`);
          transient ||= result.transient;
        }
      }
    }
    if (failures.length === 0) failures.push('it is a local build tag of a scheduler, which this job gives no way to download');
    throw new ImageUnavailableError(job.image, failures.join('; '), transient);
  }

  /** Downloads the image tar and loads it; an error says whether trying again later may help. */
  private async download(url: string, imageId: string, token: string): Promise<'loaded' | { error: string; transient: boolean }> {
    const signal = AbortSignal.timeout(this.deps.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${url}/api/images/${imageId}`, { headers: { authorization: `Bearer ${token}` }, signal });
    } catch (err) {
      return { error: `cannot reach it (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message})`, transient: true };
    }
    if (!res.ok || !res.body) {
      const body = (await res.text().catch(() => '')).slice(0, 300);
      // 401/404 will not change by asking again; anything else (a scheduler restarting, 5xx) may.
      return { error: `HTTP ${res.status} ${body}`.trim(), transient: res.status !== 401 && res.status !== 404 };
    }
    try {
      await this.deps.runtime.loadImage(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>, { highWaterMark: 1 << 20 }), signal);
      return 'loaded';
    } catch (err) {
      return { error: `docker load: ${dockerMessage(err)}`, transient: true };
    }
  }

  /** SCHEDULER_URL first, then the URLs schedulers advertised lately, the most recent first. */
  private async schedulerUrls(): Promise<string[]> {
    const advertised = await this.deps.redis.zrangebyscore(this.deps.keys.schedulers, this.deps.clock.now() - SCHEDULER_STALE_MS, '+inf');
    return [...new Set([...(this.deps.schedulerUrl ? [this.deps.schedulerUrl] : []), ...advertised.reverse()])];
  }

  private authFor(image: string): { username: string; password: string; serveraddress: string } | null {
    const { registry } = this.deps;
    if (!registry?.auth || registryOf(image) !== registry.server) return null;
    return { ...registry.auth, serveraddress: registry.server };
  }
}

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
