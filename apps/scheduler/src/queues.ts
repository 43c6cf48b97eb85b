import { bullPrefix, JobIds, QueueNames, type BuildJob, type DeployJob, type PlacementJob } from '@draas/queue-contracts';
import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { closeAll } from './close-all.js';

// The queues the scheduler adds to. Finished jobs are trimmed (BullMQ's production guidance) but a
// few are kept so that Bull Board shows recent history.
const defaultJobOptions: DefaultJobOptions = {
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
};

export class Queues {
  readonly build: Queue<BuildJob>;
  /** Only store/placement-requests.ts adds to it (its jobs are part of that module's protocol). */
  readonly place: Queue<PlacementJob>;
  /** Only looked at (Bull Board): the status worker consumes it, agents add to it. */
  readonly instanceStatus: Queue;
  private readonly deployQueues = new Map<string, Queue<DeployJob>>();
  private readonly prefix: string;

  constructor(private readonly connection: Redis, redisPrefix: string) {
    this.prefix = bullPrefix(redisPrefix);
    this.build = new Queue<BuildJob>(QueueNames.build, { connection, prefix: this.prefix, defaultJobOptions });
    this.place = new Queue<PlacementJob>(QueueNames.place, { connection, prefix: this.prefix, defaultJobOptions });
    this.instanceStatus = new Queue(QueueNames.instanceStatus, { connection, prefix: this.prefix });
  }

  /** Every queue there is now: the scheduler's and one per agent seen so far. */
  all(): Queue[] {
    return [this.build, this.place, this.instanceStatus, ...this.deployQueues.values()];
  }

  /** The deploy queue of one agent. */
  deploy(agentId: string): Queue<DeployJob> {
    let queue = this.deployQueues.get(agentId);
    if (!queue) {
      queue = new Queue<DeployJob>(QueueNames.deploy(agentId), { connection: this.connection, prefix: this.prefix, defaultJobOptions });
      this.deployQueues.set(agentId, queue);
    }
    return queue;
  }

  /** Builds run once per deployment: the job id is the deployment's. Transient failures retry. */
  async addBuild(deploymentId: string): Promise<void> {
    await this.build.add('build', { type: 'build', version: 1, deploymentId }, {
      jobId: JobIds.build(deploymentId),
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
    });
  }

  /** Deploy jobs, one bulk add per agent; their ids make adding one twice a no-op. */
  async addDeploys(jobs: readonly DeployJob[]): Promise<void> {
    const byAgent = new Map<string, DeployJob[]>();
    for (const job of jobs) byAgent.set(job.agentId, [...(byAgent.get(job.agentId) ?? []), job]);
    await Promise.all(
      [...byAgent].map(([agentId, list]) =>
        this.deploy(agentId).addBulk(
          list.map((job) => ({
            name: 'deploy',
            data: job,
            opts: { jobId: JobIds.deploy(job.deploymentId, job.index, job.attempt), attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
          })),
        ),
      ),
    );
  }

  close(): Promise<void> {
    return closeAll(this.all().map((q) => [`queue ${q.name}`, () => q.close()] as const));
  }
}
