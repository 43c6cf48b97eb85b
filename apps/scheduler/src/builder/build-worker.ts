import { rm } from 'node:fs/promises';
import path from 'node:path';
import { BuildJob, imageTag, Labels, LogBatcher, registryImageRef, retryWithin, splitImageRef, type DeploymentRecord, type NewLogLine } from '@draas/queue-contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import { unpackContext } from '../archive/zip-reader.js';
import type { SchedulerContext } from '../context.js';
import { setStatus, systemLog } from '../deployments/lifecycle.js';
import { BadArchive } from '../errors.js';
import { localImageId } from '../images/local-image.js';
import { pushImage } from '../images/registry-push.js';
import { contextTar } from './context-tar.js';
import { dockerBuild, type BuildOutcome } from './docker-build.js';

// The build worker (docs/ARCHITECTURE.md, One deployment, step 6): unpack the checked archive, build it
// with the local engine under a memory limit and a timeout, keep every output line as the deployment's
// build log, tag draas/<name>:<id>, push it when a registry is configured, then hand the deployment to
// placement. Identical archives reuse the image.

/** Lines of build output quoted in a failed deployment's `error`. */
const ERROR_TAIL_LINES = 15;
/** A push taking longer than this is given up (agents then download from the scheduler). */
const PUSH_TIMEOUT_MS = 10 * 60_000;
/** How often a running build looks whether its deployment was cancelled. */
const CANCEL_POLL_MS = 1000;
/** How long a batch's write is tried again while Redis is away (a restart), before the build fails. */
const WRITE_RETRY_FOR_MS = 60_000;

export function buildProcessor(ctx: SchedulerContext, aborts: Map<string, AbortController>) {
  return async (job: Job): Promise<void> => {
    const parsed = BuildJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad build job: ${parsed.error.message}`);
    const { deploymentId } = parsed.data;
    const controller = new AbortController();
    aborts.set(deploymentId, controller);
    // A cancel made through another scheduler cannot reach this controller: the desired state can.
    const watch = setInterval(() => {
      ctx.deployments.get(deploymentId).then(
        (record) => record?.desired === 'cancelled' && controller.abort(),
        (err: Error) => ctx.logger.warn({ err, deploymentId }, 'cannot read the desired state during the build; will retry'),
      );
    }, CANCEL_POLL_MS);
    try {
      await buildDeployment(ctx, deploymentId, controller.signal, job.attemptsMade);
    } finally {
      clearInterval(watch);
      aborts.delete(deploymentId);
    }
  };
}

export async function buildDeployment(ctx: SchedulerContext, deploymentId: string, signal: AbortSignal, attempt: number): Promise<void> {
  const record = await ctx.deployments.get(deploymentId);
  if (!record || record.desired === 'cancelled' || record.source.kind !== 'archive') return;
  if (record.image !== null) {
    // Built before a crash or a retry: only the hand-over to placement may be missing.
    await ctx.scheduling.planner.requestPlacement([deploymentId]);
    return;
  }
  const tag = imageTag(record.spec.name, record.id);
  if (await reuseImage(ctx, record, tag)) return;
  if (!(await setStatus(ctx.scheduling, deploymentId, 'building'))) return;
  await systemLog(ctx.scheduling, deploymentId, `building ${tag}`);
  const contextDir = path.join(ctx.config.buildDir, `${deploymentId}-${attempt}`);
  const output = buildOutput(ctx, deploymentId);
  let outcome: BuildOutcome;
  try {
    outcome = await unpackAndBuild(ctx, deploymentId, tag, contextDir, signal, output.add);
  } catch (err) {
    // Anything but a bad archive is the system's fault (engine down, disk full): BullMQ retries it.
    if (!(err instanceof BadArchive)) throw err;
    outcome = { ok: false, reason: 'failed', error: err.message };
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
  await output.close();
  if (outcome.ok) {
    await finishBuild(ctx, record, tag);
  } else if (outcome.reason !== 'aborted') {
    const tail = (await ctx.logs.tail(deploymentId, ERROR_TAIL_LINES)).filter((l) => l.phase === 'build').map((l) => l.line);
    await fail(ctx, deploymentId, `build failed: ${outcome.error}${tail.length ? `\n${tail.join('\n')}` : ''}`);
  }
}

async function unpackAndBuild(
  ctx: SchedulerContext,
  deploymentId: string,
  tag: string,
  contextDir: string,
  signal: AbortSignal,
  onLines: (lines: string[]) => void,
): Promise<BuildOutcome> {
  await rm(contextDir, { recursive: true, force: true });
  const checked = await unpackContext(ctx.uploads.archivePath(deploymentId), contextDir, ctx.config.archive);
  return dockerBuild(
    ctx.docker,
    contextTar(contextDir, checked.entries),
    {
      tag,
      dockerfile: checked.dockerfile,
      memoryBytes: ctx.config.build.memoryBytes,
      timeoutMs: ctx.config.build.timeoutMs,
      labels: { [Labels.managed]: 'true', [Labels.deployment]: deploymentId },
      signal,
    },
    onLines,
  );
}

async function finishBuild(ctx: SchedulerContext, record: DeploymentRecord, tag: string): Promise<void> {
  if (record.source.kind === 'archive') await ctx.builtImages.remember(record.source.sha256, tag);
  const imageId = await localImageId(ctx.docker, tag);
  if (!imageId) throw new Error(`the engine lost ${tag} right after building it`);
  const image = (await push(ctx, record, tag)) ?? tag;
  const built = await setStatus(ctx.scheduling, record.id, 'built', { image, imageId, error: null });
  await ctx.uploads.remove(record.id);
  if (!built) return;
  await systemLog(ctx.scheduling, record.id, `built ${image} (${imageId.slice(0, 19)})`);
  await ctx.scheduling.planner.requestPlacement([record.id]);
}

/**
 * Pushes the build to REGISTRY_URL; returns its name there, or null when there is no registry or the
 * push failed. A failed push does not fail the deployment: agents then download the image from the
 * scheduler instead, and the log says why.
 */
async function push(ctx: SchedulerContext, record: DeploymentRecord, tag: string): Promise<string | null> {
  const { registry } = ctx.config;
  if (!registry) return null;
  const ref = registryImageRef(registry, record.spec.name, record.id);
  await systemLog(ctx.scheduling, record.id, `pushing ${ref}`);
  const output = buildOutput(ctx, record.id);
  let failure: Error | null = null;
  try {
    await pushImage(ctx.docker, registry, tag, ref, PUSH_TIMEOUT_MS, output.add);
  } catch (err) {
    failure = err as Error;
  }
  await output.close();
  if (!failure) return ref;
  await systemLog(ctx.scheduling, record.id, `push to ${registry.server} failed (${failure.message}); agents will download the image from the scheduler`);
  return null;
}

/** An archive identical to one built before runs the same image: tag it for this deployment and move on. */
async function reuseImage(ctx: SchedulerContext, record: DeploymentRecord, tag: string): Promise<boolean> {
  if (record.source.kind !== 'archive') return false;
  const previous = await ctx.builtImages.find(record.source.sha256);
  if (!previous) return false;
  try {
    await ctx.docker.getImage(previous).tag(splitImageRef(tag));
  } catch (err) {
    // The earlier image is gone (pruned): build again. Anything else is a real failure.
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
  await systemLog(ctx.scheduling, record.id, `same archive as ${previous}: reusing its image`);
  await finishBuild(ctx, record, tag);
  return true;
}

async function fail(ctx: SchedulerContext, deploymentId: string, error: string): Promise<void> {
  await systemLog(ctx.scheduling, deploymentId, error.split('\n')[0] ?? error);
  await setStatus(ctx.scheduling, deploymentId, 'failed', { error });
  await ctx.uploads.remove(deploymentId);
}

/**
 * Build or push output into the deployment's log (phase `build`), batched: one Redis round trip per
 * 500 lines or 100 ms, in order. A failed write is tried again for up to a minute, so no line is lost
 * to a short outage; close() throws the first write given up, so lost lines are never silent.
 */
function buildOutput(ctx: SchedulerContext, deploymentId: string) {
  const batcher = new LogBatcher<NewLogLine>({
    send: (lines) => ctx.logs.append(deploymentId, lines),
    policy: { maxLines: 500, maxDelayMs: 100 },
    retry: retryWithin(WRITE_RETRY_FOR_MS),
  });
  return {
    add: (lines: readonly string[]): void => {
      const time = ctx.clock.now();
      batcher.push(lines.map((line) => ({ time, phase: 'build', instance: null, stream: 'stdout', line })));
    },
    close: (): Promise<void> => batcher.flush(),
  };
}
