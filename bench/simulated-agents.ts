// SIMULATED AGENTS — for scale tests only. An agent runtime that runs no containers: each simulated
// agent heartbeats like a real one and answers its deploy jobs by reporting the instance running at
// once, so that the control plane (API, placement, queues, status, records) can be measured with
// 100 agents and 20,000 instances on one small machine. Never used outside bench/.
import {
  bullPrefix,
  Channels,
  DeployJob,
  QueueNames,
  redisKeys,
  type Heartbeat,
  type InstanceReport,
  type InstanceReportBatch,
} from '@draas/queue-contracts';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

export interface SimulatedFleetOptions {
  redisUrl: string;
  prefix: string;
  agents: number;
  heartbeatMs: number;
  /** Deploy jobs each simulated agent handles at once. */
  concurrency: number;
}

const GiB = 1024 ** 3;

export class SimulatedAgentFleet {
  private readonly redis: Redis;
  private readonly workers: Worker[] = [];
  private readonly reports: Queue;
  private timer: NodeJS.Timeout | null = null;
  /** Reports waiting to be sent, per agent: like real agents, a burst goes as one batch job. */
  private readonly outbox = new Map<string, { reports: InstanceReport[]; sent: Promise<void> }>();
  readonly ids: string[];
  /** Deploy jobs answered so far. */
  answered = 0;

  constructor(private readonly options: SimulatedFleetOptions) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.ids = Array.from({ length: options.agents }, (_, i) => `sim-${String(i).padStart(3, '0')}`);
    this.reports = new Queue(QueueNames.instanceStatus, { connection: this.redis, prefix: bullPrefix(options.prefix) });
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.heartbeatMs);
    const connection = { url: this.options.redisUrl, maxRetriesPerRequest: null };
    for (const agentId of this.ids) {
      this.workers.push(
        new Worker(QueueNames.deploy(agentId), async (job) => this.answer(DeployJob.parse(job.data)), {
          connection,
          prefix: bullPrefix(this.options.prefix),
          concurrency: this.options.concurrency,
        }),
      );
    }
  }

  /** Reports the instance running at once, with a made-up URL: nothing runs. */
  private async answer(job: DeployJob): Promise<void> {
    const report: InstanceReport = {
      type: 'instance-status',
      version: 1,
      deploymentId: job.deploymentId,
      index: job.index,
      attempt: job.attempt,
      agentId: job.agentId,
      status: 'running',
      containerId: `simulated-${job.deploymentId}-${job.index}`,
      ports: [],
      urls: [`http://simulated.invalid/${job.deploymentId}/${job.index}`],
      exitCode: null,
      error: null,
      at: Date.now(),
    };
    await this.send(report);
    this.answered++;
  }

  private send(report: InstanceReport): Promise<void> {
    const open = this.outbox.get(report.agentId);
    if (open) {
      open.reports.push(report);
      return open.sent;
    }
    const entry = { reports: [report], sent: Promise.resolve() };
    entry.sent = new Promise<void>((resolve) => setTimeout(resolve, 5)).then(async () => {
      this.outbox.delete(report.agentId);
      const batch: InstanceReportBatch = { type: 'instance-status-batch', version: 1, agentId: report.agentId, reports: entry.reports };
      await this.reports.add('report', batch, { removeOnComplete: true, removeOnFail: 1000 });
    });
    this.outbox.set(report.agentId, entry);
    return entry.sent;
  }

  private async beat(): Promise<void> {
    const keys = redisKeys(this.options.prefix);
    const channel = Channels(this.options.prefix).heartbeats;
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const agentId of this.ids) {
      const heartbeat: Heartbeat = {
        type: 'heartbeat',
        version: 1,
        agentId,
        address: 'simulated.invalid',
        labels: { simulated: 'true' },
        capacity: { memoryBytes: 100 * GiB, milliCpus: 100_000, maxInstances: 1000 },
        resources: { cpuPercent: 1, cpus: 2, memoryTotalBytes: 128 * GiB, memoryAvailableBytes: 120 * GiB, diskTotalBytes: GiB, diskFreeBytes: GiB },
        runningInstances: 0,
        versions: { agent: 'simulated', docker: 'none', node: process.versions.node },
        heartbeatMs: this.options.heartbeatMs,
        connectionName: null,
        startedAt: now,
        sentAt: now,
      };
      const json = JSON.stringify(heartbeat);
      pipeline.set(keys.agent(agentId), json).sadd(keys.agents, agentId).publish(channel, json);
    }
    await pipeline.exec();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.reports.close();
    await this.redis.quit();
  }
}
