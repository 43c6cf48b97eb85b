import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, QueueNames } from '@draas/queue-contracts';
import { createDeployProcessor, type DeployDeps, type DeployOutcome } from './deploy-processor.js';

export interface DeployWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
}

/** The BullMQ worker on this agent's own deploy queue. */
export function startDeployWorker(deps: DeployDeps, options: DeployWorkerOptions): Worker<unknown, DeployOutcome> {
  const log = deps.log;
  const worker = new Worker<unknown, DeployOutcome>(QueueNames.deploy(deps.agent.agentId), createDeployProcessor(deps), {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    concurrency: options.concurrency,
    name: `agent-${deps.agent.agentId}`,
  });
  worker.on('failed', (job, err) => {
    log.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message }, 'deploy job failed');
  });
  worker.on('completed', (job, result) => {
    log.debug({ jobId: job.id, outcome: result.outcome }, 'deploy job done');
  });
  // Without a listener an 'error' event would crash the process; connection errors are transient.
  worker.on('error', (err) => log.error({ err: err.message }, 'deploy worker error'));
  return worker;
}
