import { UnrecoverableError, type Job } from 'bullmq';
import type { ContainerInspectInfo } from 'dockerode';
import { canInstanceTransition, containerName, DeployJob, formatZodError, instanceRef, type InstanceRecord } from '@draas/queue-contracts';
import { LOG_CATCH_UP_MS, type InstanceTools } from '../instance-tools.js';
import { ImageUnavailableError } from '../errors/image-unavailable-error.js';
import type { ImageProvider } from '../images/image-provider.js';
import type { RedisLogSink } from '../logs/log-sink.js';
import type { Clock } from '../redis/redis-clock.js';
import type { Logger } from '../logger.js';
import { buildContainerSpec, type AgentSettings } from '../runtime/container-spec.js';
import { exitOutcome, publishedPorts, readOwner } from '../runtime/container-state.js';
import { classifyDockerError, dockerMessage } from '../runtime/docker-errors.js';
import { hasEnded, judge } from '../state/verdict.js';
import type { ReportFields } from '../status/reporter.js';

export interface DeployDeps extends InstanceTools {
  agent: AgentSettings & { advertiseIp: string };
  images: ImageProvider;
  /** Where a note for the user goes (how the image got here): the deployment's log. */
  sink: Pick<RedisLogSink, 'write'>;
  clock: Clock;
}

export type DeployOutcome =
  | { outcome: 'running'; containerId: string; urls: string[] }
  | { outcome: 'exited' | 'failed'; containerId: string; exitCode: number | null }
  | { outcome: 'cancelled' | 'skipped'; reason: string };

/**
 * The deploy job: make sure one container runs for (deployment, index, attempt) on this agent.
 * Idempotent: the desired state is read first, an existing container of the same attempt is adopted,
 * and the job completes once the container runs (not when it exits).
 */
export function createDeployProcessor(deps: DeployDeps) {
  return async (job: Job): Promise<DeployOutcome> => {
    const parsed = DeployJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`deploy job ${job.id} does not match the contract: ${formatZodError(parsed.error)}`);
    const spec = parsed.data;
    if (spec.agentId !== deps.agent.agentId) throw new UnrecoverableError(`deploy job for agent ${spec.agentId} reached agent ${deps.agent.agentId}`);
    const log = deps.log.child({ deploymentId: spec.deploymentId, index: spec.index, attempt: spec.attempt, jobId: job.id });
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return deps.locks.run(instanceRef(spec.deploymentId, spec.index), () => deployInstance(deps, spec, log, lastTry));
  };
}

async function deployInstance(deps: DeployDeps, job: DeployJob, log: Logger, lastTry: boolean): Promise<DeployOutcome> {
  const desired = await deps.desired.read(job.deploymentId, job.index);
  const verdict = judge(job, deps.agent.agentId, desired);
  if (!verdict.wanted) {
    log.info({ reason: verdict.reason }, 'deploy job not needed');
    if (verdict.reportCancelled) await report(deps, job, { status: 'cancelled' });
    return { outcome: verdict.reportCancelled ? 'cancelled' : 'skipped', reason: verdict.reason };
  }
  if (hasEnded(desired)) return { outcome: 'skipped', reason: `attempt ${job.attempt} already ended` };
  try {
    return await runInstance(deps, job, desired.instance as InstanceRecord, log);
  } catch (err) {
    const permanent = err instanceof ImageUnavailableError ? !err.transient : classifyDockerError(err) === 'permanent';
    if (!permanent && !lastTry) throw err;
    // The user must see why, and nothing will retry: say so once, as the instance's error.
    const message = err instanceof ImageUnavailableError ? err.message : `could not start the container: ${dockerMessage(err)}`;
    log.warn({ err: message, permanent }, 'deploy failed');
    await report(deps, job, { status: 'failed', error: message });
    throw permanent ? new UnrecoverableError(message) : err;
  }
}

async function runInstance(deps: DeployDeps, job: DeployJob, record: InstanceRecord, log: Logger): Promise<DeployOutcome> {
  // A progress note, not waited for: `running` follows within moments, and if `starting` arrives
  // after it the scheduler refuses the step back.
  if (record.status !== 'starting' && canInstanceTransition(record.status, 'starting')) {
    report(deps, job, { status: 'starting' }).catch((err: Error) => log.warn({ err: err.message }, 'could not report starting; running will follow'));
  }
  const image = await deps.images.ensure(job, log);
  if (image.fetched) {
    log.info({ how: image.fetched }, 'image fetched');
    const line = `instance ${job.index}: ${image.fetched} on agent ${deps.agent.agentId}`;
    await deps.sink.write(job.deploymentId, [{ time: deps.clock.now(), phase: 'system', instance: job.index, stream: 'system', line }]);
  }
  let info = await existingContainer(deps, job, log);
  if (info === 'newer') return { outcome: 'skipped', reason: 'a newer attempt holds the container name' };
  const created = info === null;
  if (info === null) {
    const id = await deps.runtime.createContainer(buildContainerSpec({ ...job, image: image.ref }, deps.agent, image.exposed));
    log.info({ containerId: id.slice(0, 12) }, 'container created');
    info = await mustInspect(deps, id);
  }
  // Only a container that never ran is started: one that ran and ended is reported, not rerun
  // (restarting is the scheduler's decision, with a new attempt).
  if (info.State.Status === 'created') {
    await deps.runtime.startContainer(info.Id);
    info = await mustInspect(deps, info.Id);
  }
  const target = { containerId: info.Id, deploymentId: job.deploymentId, index: job.index };
  if (!info.State.Running) {
    // Ended already (at once, or while the agent was away): its output is shipped before the end.
    await deps.followers
      .catchUp(target, created ? 'new' : 'resume', LOG_CATCH_UP_MS)
      .catch((err: unknown) => log.warn({ err: dockerMessage(err) }, 'cannot ship the output of the ended container'));
    const ended = exitOutcome(info.State, info.HostConfig?.Memory ?? job.spec.memoryBytes);
    await report(deps, job, { ...ended, containerId: info.Id });
    return { outcome: ended.status, containerId: info.Id, exitCode: ended.exitCode };
  }
  const { ports, urls } = publishedPorts(info.NetworkSettings?.Ports, deps.agent.advertiseIp);
  await deps.followers
    .ensure(target, created ? 'new' : 'resume')
    // Not fatal: the reconcile pass re-attaches followers every few seconds.
    .catch((err: unknown) => log.warn({ err: dockerMessage(err) }, 'cannot follow the logs yet'));
  // An adopted container the record already knows keeps the health it had; a new one starts over.
  const recorded = !created && record.containerId === info.Id ? record.health : null;
  const probe = deps.probes.prepare(job, job.spec.health, info, { ports, urls }, recorded);
  await report(deps, job, { status: 'running', containerId: info.Id, ports, urls, health: probe.health, healthError: null });
  probe.start();
  log.info({ containerId: info.Id.slice(0, 12), urls, adopted: !created, health: probe.health }, 'instance running');
  return { outcome: 'running', containerId: info.Id, urls };
}

/** The container already holding this instance's name: kept if it is this attempt, else removed. */
async function existingContainer(deps: DeployDeps, job: DeployJob, log: Logger): Promise<ContainerInspectInfo | 'newer' | null> {
  const info = await deps.runtime.inspectContainer(containerName(job.deploymentId, job.index));
  if (!info) return null;
  const owner = readOwner(info.Config?.Labels);
  if (owner && owner.agentId === deps.agent.agentId && owner.attempt === job.attempt) return info;
  // Never remove a newer attempt for an older job (the records say it cannot happen; be safe anyway).
  if (owner && owner.attempt > job.attempt) return 'newer';
  log.info({ containerId: info.Id.slice(0, 12), attempt: owner?.attempt ?? null }, 'removing the container of an older attempt');
  await deps.stopper.forceRemove(info.Id);
  return null;
}

async function mustInspect(deps: DeployDeps, id: string): Promise<ContainerInspectInfo> {
  const info = await deps.runtime.inspectContainer(id);
  // Removed under our feet (by hand, or a racing agent process): a retry will create it again.
  if (!info) throw new Error(`container ${id.slice(0, 12)} disappeared while starting`);
  return info;
}

function report(deps: DeployDeps, job: DeployJob, fields: ReportFields) {
  return deps.reporter.reportInstance(job, fields);
}
