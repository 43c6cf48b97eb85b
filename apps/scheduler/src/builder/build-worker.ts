import { BuildJob, imageTag, type DeploymentRecord, type NewLogLine } from '@draas/queue-contracts';
import { LogBatcher, retryWithin } from '@draas/queue-contracts/runtime';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Scheduling } from '../cluster/scheduling.js';
import { setStatus, systemLog } from '../deployments/lifecycle.js';
import { BadArchive } from '../errors.js';
import type { BuildTools } from './build-tools.js';
import type { BuildOutcome } from './docker-build.js';

// The build worker (docs/ARCHITECTURE.md, One deployment, step 6): unpack the checked archive, build it
// with the local engine under a memory limit and a timeout, keep every output line as the deployment's
// build log, tag draas/<name>:<id>, push it when a registry is configured, then hand the deployment to
// placement. Identical archives reuse the image. It decides over the cluster's records (Scheduling);
// the disk, the engine and the registry are its BuildTools (build-tools.ts).

/** Lines of build output quoted in a failed deployment's `error`. */
const ERROR_TAIL_LINES = 15;
/** How often a running build looks whether its deployment was cancelled. */
const CANCEL_POLL_MS = 1000;
/** How long a batch's write is tried again while Redis is away (a restart), before the build fails. */
const WRITE_RETRY_FOR_MS = 60_000;

type Builder = Pick<Scheduling, 'state' | 'planner' | 'logger'>;

export function buildProcessor(s: Builder, tools: BuildTools, aborts: Map<string, AbortController>) {
  return async (job: Job): Promise<void> => {
    const parsed = BuildJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad build job: ${parsed.error.message}`);
    const { deploymentId } = parsed.data;
    const controller = new AbortController();
    aborts.set(deploymentId, controller);
    // A cancel made through another scheduler cannot reach this controller: the desired state can.
    const watch = setInterval(() => {
      s.state.deployment(deploymentId).then(
        (record) => record?.desired === 'cancelled' && controller.abort(),
        (err: Error) => s.logger.warn({ err, deploymentId }, 'cannot read the desired state during the build; will retry'),
      );
    }, CANCEL_POLL_MS);
    try {
      await buildDeployment(s, tools, deploymentId, controller.signal, job.attemptsMade);
    } finally {
      clearInterval(watch);
      aborts.delete(deploymentId);
    }
  };
}

export async function buildDeployment(s: Builder, tools: BuildTools, deploymentId: string, signal: AbortSignal, attempt: number): Promise<void> {
  const record = await s.state.deployment(deploymentId);
  if (!record || record.desired === 'cancelled' || record.source.kind !== 'archive') return;
  if (record.image !== null) {
    // Built before a crash or a retry: only the hand-over to placement may be missing.
    await s.planner.requestPlacement([deploymentId]);
    return;
  }
  const tag = imageTag(record.spec.name, record.id);
  if (await reuseImage(s, tools, record, tag)) return;
  if (!(await setStatus(s, deploymentId, 'building'))) return;
  await systemLog(s, deploymentId, `building ${tag}`);
  const output = buildOutput(s, deploymentId);
  let outcome: BuildOutcome;
  try {
    outcome = await tools.build(deploymentId, tag, attempt, signal, output.add);
  } catch (err) {
    // Anything but a bad archive is the system's fault (engine down, disk full): BullMQ retries it.
    if (!(err instanceof BadArchive)) throw err;
    outcome = { ok: false, reason: 'failed', error: err.message };
  }
  await output.close();
  if (outcome.ok) {
    await finishBuild(s, tools, record, tag);
  } else if (outcome.reason !== 'aborted') {
    const tail = output.tail();
    await fail(s, tools, deploymentId, `build failed: ${outcome.error}${tail.length ? `\n${tail.join('\n')}` : ''}`);
  }
}

async function finishBuild(s: Builder, tools: BuildTools, record: DeploymentRecord, tag: string): Promise<void> {
  if (record.source.kind === 'archive') await tools.rememberBuilt(record.source.sha256, tag);
  const imageId = await tools.imageId(tag);
  if (!imageId) throw new Error(`the engine lost ${tag} right after building it`);
  const image = (await push(s, tools, record, tag)) ?? tag;
  const built = await setStatus(s, record.id, 'built', { image, imageId, error: null });
  await tools.removeUpload(record.id);
  if (!built) return;
  await systemLog(s, record.id, `built ${image} (${imageId.slice(0, 19)})`);
  await s.planner.requestPlacement([record.id]);
}

/**
 * Pushes the build to REGISTRY_URL; returns its name there, or null when there is no registry or the
 * push failed. A failed push does not fail the deployment: agents then download the image from the
 * scheduler instead, and the log says why.
 */
async function push(s: Builder, tools: BuildTools, record: DeploymentRecord, tag: string): Promise<string | null> {
  const target = tools.registryTarget(record);
  if (!target) return null;
  await systemLog(s, record.id, `pushing ${target.ref}`);
  const output = buildOutput(s, record.id);
  let failure: Error | null = null;
  try {
    await tools.push(tag, target.ref, output.add);
  } catch (err) {
    failure = err as Error;
  }
  await output.close();
  if (!failure) return target.ref;
  await systemLog(s, record.id, `push to ${target.server} failed (${failure.message}); agents will download the image from the scheduler`);
  return null;
}

/** An archive identical to one built before runs the same image: tag it for this deployment and move on. */
async function reuseImage(s: Builder, tools: BuildTools, record: DeploymentRecord, tag: string): Promise<boolean> {
  if (record.source.kind !== 'archive') return false;
  const previous = await tools.builtBefore(record.source.sha256);
  if (!previous || !(await tools.retag(previous, tag))) return false;
  await systemLog(s, record.id, `same archive as ${previous}: reusing its image`);
  await finishBuild(s, tools, record, tag);
  return true;
}

async function fail(s: Builder, tools: BuildTools, deploymentId: string, error: string): Promise<void> {
  await systemLog(s, deploymentId, error.split('\n')[0] ?? error);
  await setStatus(s, deploymentId, 'failed', { error });
  await tools.removeUpload(deploymentId);
}

/**
 * Build or push output into the deployment's log (phase `build`), batched: one Redis round trip per
 * 500 lines or 100 ms, in order. A failed write is tried again for up to a minute, so no line is lost
 * to a short outage; close() throws the first write given up, so lost lines are never silent. The
 * last lines are kept for a failed build's error.
 */
function buildOutput(s: Builder, deploymentId: string) {
  const batcher = new LogBatcher<NewLogLine>({
    send: (lines) => s.planner.log(deploymentId, lines),
    policy: { maxLines: 500, maxDelayMs: 100 },
    retry: retryWithin(WRITE_RETRY_FOR_MS),
  });
  let last: string[] = [];
  return {
    add: (lines: readonly string[]): void => {
      const time = s.state.now();
      last = [...last, ...lines].slice(-ERROR_TAIL_LINES);
      batcher.push(lines.map((line) => ({ time, phase: 'build', instance: null, stream: 'stdout', line })));
    },
    close: (): Promise<void> => batcher.flush(),
    tail: (): string[] => last,
  };
}
