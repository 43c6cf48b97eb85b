import { randomInt } from 'node:crypto';
import {
  Limits,
  type DeploymentRecord,
  type DeploymentSource,
  type DeploymentSpec,
  type ParsedCreateDeploymentRequest,
} from '@draas/queue-contracts';
import type { SchedulerContext } from '../context.js';
import { Conflict } from '../errors/index.js';
import { cancelDeployment, type CancelOptions } from './cancel.js';
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
    name: request.name ?? defaultName(fallbackName),
    env: request.env ?? {},
    ports: request.ports ?? [],
    memoryBytes: request.memory ?? Limits.defaultMemoryBytes,
    milliCpus: request.cpus ?? Limits.defaultMilliCpus,
    constraints: request.constraints ?? [],
    replicas: request.replicas ?? 1,
    // A crash or a lost machine restarts the instance (with back-off); a clean exit stays ended.
    restart: request.restart ?? { policy: 'on-failure', maxRetries: null },
    strategy: request.strategy ?? 'spread',
  };
}

/**
 * Records a new deployment (status `queued`) and enqueues its first step: the build for an archive
 * (already stored at its upload path), placement for an image.
 */
export async function createDeployment(
  ctx: SchedulerContext,
  id: string,
  source: DeploymentSource,
  spec: DeploymentSpec,
): Promise<DeploymentRecord> {
  const now = new Date(ctx.clock.now()).toISOString();
  const record: DeploymentRecord = {
    id,
    spec,
    source,
    image: source.kind === 'image' ? source.image : null,
    status: 'queued',
    desired: 'running',
    error: null,
    createdAt: now,
    updatedAt: now,
    rev: 0,
  };
  await ctx.deployments.create(record);
  await systemLog(ctx, id, source.kind === 'image' ? `deployment of image ${source.image} queued` : `upload of ${source.bytes} bytes received; build queued`);
  if (source.kind === 'image') await ctx.queues.addPlace(id);
  else await ctx.queues.addBuild(id);
  return record;
}

/**
 * A new deployment from an existing one's image and settings (env values included, which the user
 * cannot re-enter from the API since it never shows them). `replace`: the old one is cancelled once
 * the new one is recorded.
 */
export async function redeploy(ctx: SchedulerContext, id: string, replace: boolean, cancel: CancelOptions): Promise<DeploymentRecord> {
  const old = await ctx.deployments.require(id);
  if (old.image === null) {
    throw new Conflict(`deployment ${id} has no image to redeploy (its build did not finish); upload the code again`);
  }
  const created = await createDeployment(ctx, newDeploymentId(), { kind: 'image', image: old.image }, old.spec);
  await systemLog(ctx, created.id, `redeploy of ${id}`);
  await systemLog(ctx, id, `redeployed as ${created.id}${replace ? '; this one is cancelled' : ''}`);
  if (replace) await cancelDeployment(ctx, id, cancel);
  return created;
}
