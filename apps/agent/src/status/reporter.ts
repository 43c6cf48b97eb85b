import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, formatZodError, InstanceReport, QueueNames } from '@draas/queue-contracts';
import type { Clock } from '../redis/redis-clock.js';
import type { InstanceAttempt } from '../state/verdict.js';

/** A report without the fields the reporter fills in. */
export type ReportInput = Omit<InstanceReport, 'type' | 'version' | 'agentId' | 'at'>;

/** What a report says about an attempt; fields left out mean "none" (no container, no ports...). */
export type ReportFields = Pick<ReportInput, 'status'> & Partial<Omit<ReportInput, 'deploymentId' | 'index' | 'attempt' | 'status'>>;

/**
 * Sends InstanceReports to the scheduler through a durable queue (pub/sub could lose them). The
 * scheduler is the only writer of instance records; the agent only tells it what it saw.
 */
export class StatusReporter {
  private readonly queue: Queue;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly agentId: string,
    private readonly clock: Clock,
  ) {
    this.queue = new Queue(QueueNames.instanceStatus, { connection, prefix: bullPrefix(prefix) });
  }

  async report(input: ReportInput): Promise<InstanceReport> {
    const parsed = InstanceReport.safeParse({ type: 'instance-status', version: 1, agentId: this.agentId, at: this.clock.now(), ...input });
    // A report that breaks the contract is a bug here, not something to send and let the scheduler guess at.
    if (!parsed.success) throw new Error(`instance report does not match the contract: ${formatZodError(parsed.error)}`);
    await this.queue.add(QueueNames.instanceStatus, parsed.data, { removeOnComplete: true, removeOnFail: 1000 });
    return parsed.data;
  }

  reportInstance(target: InstanceAttempt, fields: ReportFields): Promise<InstanceReport> {
    return this.report({
      deploymentId: target.deploymentId,
      index: target.index,
      attempt: target.attempt,
      containerId: null,
      ports: [],
      urls: [],
      exitCode: null,
      error: null,
      ...fields,
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
