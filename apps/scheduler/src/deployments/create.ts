import { randomInt } from 'node:crypto';
import {
  DEFAULT_HEALTH,
  Limits,
  newDeploymentRecord,
  type DeploymentRecord,
  type DeploymentSource,
  type DeploymentSpec,
  type ParsedCreateDeploymentRequest,
} from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { Conflict } from '../errors.js';
import { localImageId } from '../images/local-image.js';
import { cancelDeployment, type CancelOptions } from './cancel.js';
import { mapLimit } from '../util/map-limit.js';
import { systemLog } from './lifecycle.js';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 12 random lowercase letters and digits: short enough to type, 62 bits of randomness. */
export function newDeploymentId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** A DNS-label name from a file or image name: `My App.zip` → `my-app`, `ghcr.io/x/web:1` → `web`. */
export function defaultName(source: string): string {
  const base = source.replace(/\.zip$/i, '').split('/').pop()?.split(/[:@]/)[0] ?? '';
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'app';
}

export function toSpec(request: ParsedCreateDeploymentRequest, fallbackName: string): DeploymentSpec {
  return {
    name: request.name ?? request.app ?? defaultName(fallbackName),
    env: request.env ?? {},
    ports: request.ports ?? [],
    memoryBytes: request.memory ?? Limits.defaultMemoryBytes,
    milliCpus: request.cpus ?? Limits.defaultMilliCpus,
    constraints: request.constraints ?? [],
    replicas: request.replicas ?? 1,
    // A crash or a lost machine restarts the instance (with back-off); a clean exit stays ended.
    restart: request.restart ?? { policy: 'on-failure', maxRetries: null },
    strategy: request.strategy ?? 'spread',
    health: {
      path: request.healthPath ?? DEFAULT_HEALTH.path,
      intervalMs: request.healthInterval ?? DEFAULT_HEALTH.intervalMs,
      timeoutMs: request.healthTimeout ?? DEFAULT_HEALTH.timeoutMs,
      retries: request.healthRetries ?? DEFAULT_HEALTH.retries,
      startPeriodMs: request.healthStartPeriod ?? DEFAULT_HEALTH.startPeriodMs,
    },
  };
}

/**
 * Records a new deployment (status `queued`) and enqueues its first step: the build for an archive
 * (already stored at its upload path), placement for an image. A named image's content on the
 * scheduler's engine (`imageId`, else looked up) is what an agent that finds it nowhere else downloads.
 */
export async function createDeployment(
  ctx: SchedulerContext,
  id: string,
  source: DeploymentSource,
  spec: DeploymentSpec,
  imageId?: string | null,
  app: DeploymentRecord['app'] = null,
): Promise<DeploymentRecord> {
  const now = new Date(ctx.clock.now()).toISOString();
  const local = source.kind === 'image' ? await imageOnScheduler(ctx, source.image, imageId) : { imageId: null, note: null };
  const record = { ...newDeploymentRecord(id, source, spec, local.imageId, now), app };
  await recordNew(ctx, record, source.kind === 'image' ? `deployment of image ${source.image} queued` : `upload of ${source.bytes} bytes received; build queued`, local.note);
  if (source.kind === 'image') await ctx.scheduling.planner.requestPlacement([id]);
  else await ctx.queues.addBuild(id);
  return record;
}

/** The record stored, and its first log lines: what it is, and what the scheduler's engine said of its image. */
async function recordNew(ctx: SchedulerContext, record: DeploymentRecord, queued: string, note: string | null): Promise<void> {
  await ctx.deployments.create(record);
  await systemLog(ctx.scheduling, record.id, queued);
  if (note) await systemLog(ctx.scheduling, record.id, note);
}

/** Records created side by side in a batch: the store's round trips overlap on one connection. */
const BATCH_PARALLELISM = 64;

/**
 * Many image deployments at once (`POST /api/deployments/batch`): each recorded as createDeployment
 * records one, each distinct image asked about once, and one placement request for all of them.
 */
export async function createImageDeployments(ctx: SchedulerContext, items: readonly { image: string; spec: DeploymentSpec }[]): Promise<DeploymentRecord[]> {
  const now = new Date(ctx.clock.now()).toISOString();
  const images = new Map<string, Promise<{ imageId: string | null; note: string | null }>>();
  const local = (image: string) => {
    let known = images.get(image);
    if (!known) images.set(image, (known = imageOnScheduler(ctx, image, undefined)));
    return known;
  };
  const records = await mapLimit(items, BATCH_PARALLELISM, async ({ image, spec }) => {
    const found = await local(image);
    const record = newDeploymentRecord(newDeploymentId(), { kind: 'image', image }, spec, found.imageId, now);
    await recordNew(ctx, record, `deployment of image ${image} queued (one of a batch of ${items.length})`, found.note);
    return record;
  });
  await ctx.scheduling.planner.requestPlacement(records.map((r) => r.id));
  return records;
}

/**
 * A new deployment from an existing one's image and settings (env values included, which the user
 * cannot re-enter from the API since it never shows them). `replace`: the old one is cancelled once
 * the new one is recorded.
 */
export async function redeploy(ctx: SchedulerContext, id: string, replace: boolean, cancel: CancelOptions): Promise<DeploymentRecord> {
  const old = await ctx.deployments.require(id);
  if (old.app !== null) {
    throw new Conflict(`deployment ${id} is v${old.app.version} of app ${old.app.name}: run it again with \`draas rollback ${old.app.name} --to ${old.app.version}\``);
  }
  if (old.image === null) {
    throw new Conflict(`deployment ${id} has no image to redeploy (its build did not finish); upload the code again`);
  }
  const created = await createDeployment(ctx, newDeploymentId(), { kind: 'image', image: old.image }, old.spec, old.imageId);
  await systemLog(ctx.scheduling, created.id, `redeploy of ${id}`);
  await systemLog(ctx.scheduling, id, `redeployed as ${created.id}${replace ? '; this one is cancelled' : ''}`);
  if (replace) await cancelDeployment(ctx.scheduling, id, cancel);
  return created;
}

/** The image's id on the scheduler's engine; null (agents can only pull it) when the engine lacks it or cannot be asked. */
async function imageOnScheduler(ctx: SchedulerContext, image: string, known: string | null | undefined): Promise<{ imageId: string | null; note: string | null }> {
  if (known !== undefined) return { imageId: known, note: null };
  try {
    return { imageId: await localImageId(ctx.docker, image), note: null };
  } catch (err) {
    // Not fatal: agents can still pull it by name. The deployment's log says why there is no fallback.
    return { imageId: null, note: `the scheduler's Docker engine could not be asked about ${image} (${(err as Error).message}); agents can only pull it` };
  }
}
