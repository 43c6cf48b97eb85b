import { bullPrefix, DeployJob, JobIds, QueueNames, type BuildJob, type PlacementJob } from '@draas/queue-contracts';
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

  /** Removes the deployment's build job if no worker took it yet; false when one has (or none exists). */
  withdrawBuild(deploymentId: string): Promise<boolean> {
    return removeIfNotTaken(this.build.getJob(JobIds.build(deploymentId)));
  }

  /** Removes a deploy job its agent has not taken yet; false when it has (or it is gone). */
  withdrawDeploy(job: Pick<DeployJob, 'agentId' | 'deploymentId' | 'index' | 'attempt'>): Promise<boolean> {
    return removeIfNotTaken(this.deploy(job.agentId).getJob(JobIds.deploy(job.deploymentId, job.index, job.attempt)));
  }

  /** Removes up to `limit` jobs waiting in an agent's queue; returns how many, and those that parse. */
  async takeBackDeploys(agentId: string, limit: number): Promise<{ removed: number; jobs: DeployJob[] }> {
    const waiting = await this.deploy(agentId).getJobs([...WAITING], 0, limit - 1);
    const jobs: DeployJob[] = [];
    for (const job of waiting) {
      await job.remove();
      const parsed = DeployJob.safeParse(job.data);
      if (parsed.success) jobs.push(parsed.data);
    }
    return { removed: waiting.length, jobs };
  }

  close(): Promise<void> {
    return closeAll(this.all().map((q) => [`queue ${q.name}`, () => q.close()] as const));
  }
}

/** States of a job no worker has taken. */
const WAITING = ['waiting', 'delayed', 'prioritized'] as const;
const NOT_TAKEN = new Set<string>([...WAITING, 'paused', 'waiting-children']);

/** Removes a job that no worker has taken yet; false when one has (or it is gone). */
async function removeIfNotTaken(lookup: Promise<{ remove(): Promise<void>; getState(): Promise<string> } | undefined | null>): Promise<boolean> {
  const job = await lookup;
  if (!job || !NOT_TAKEN.has(await job.getState())) return false;
  try {
    await job.remove();
    return true;
  } catch (err) {
    // BullMQ refuses to remove a job a worker locked in the meantime: treat it as taken.
    if (/locked|active/i.test((err as Error).message)) return false;
    throw err;
  }
}
