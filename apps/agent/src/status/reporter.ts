import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, formatZodError, InstanceReport, QueueNames, type InstanceStatusJob } from '@draas/queue-contracts';
import type { Clock } from '../redis/redis-clock.js';
import type { InstanceAttempt } from '../state/verdict.js';

/** A report without the fields the reporter fills in. */
export type ReportInput = Omit<InstanceReport, 'type' | 'version' | 'agentId' | 'at'>;

/** What a report says about an attempt; fields left out mean "none" (no container, no ports...). */
export type ReportFields = Pick<ReportInput, 'status'> & Partial<Omit<ReportInput, 'deploymentId' | 'index' | 'attempt' | 'status'>>;

const BATCH_MAX = 200;

interface Waiting {
  report: InstanceReport;
  done: (err?: Error) => void;
}

/**
 * Sends InstanceReports to the scheduler through a durable queue (pub/sub could lose them). The
 * scheduler is the only writer of instance records; the agent only tells it what it saw. A report
 * goes out at once when nothing is being sent; those made while a send is under way wait for it and
 * then go together as one batch job: no added delay when quiet, few jobs in a burst.
 */
export class StatusReporter {
  private readonly queue: Queue;
  private waiting: Waiting[] = [];
  private readonly sending = new Set<Promise<unknown>>();

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
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ report: parsed.data, done: (err) => (err ? reject(err) : resolve()) });
      if (this.sending.size === 0 || this.waiting.length >= BATCH_MAX) this.flush();
    });
    return parsed.data;
  }

  /** Sends what waits, as one job; every caller learns whether its report got through. */
  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    const job: InstanceStatusJob =
      batch.length === 1
        ? (batch[0] as Waiting).report
        : { type: 'instance-status-batch', version: 1, agentId: this.agentId, reports: batch.map((w) => w.report) };
    const sent = this.queue.add(QueueNames.instanceStatus, job, { removeOnComplete: true, removeOnFail: 1000 }).then(
      () => batch.forEach((w) => w.done()),
      (err: Error) => batch.forEach((w) => w.done(err)),
    );
    this.sending.add(sent);
    void sent.finally(() => {
      this.sending.delete(sent);
      // What queued up meanwhile goes now, together.
      if (this.sending.size === 0) this.flush();
    });
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
    this.flush();
    await Promise.all(this.sending);
    await this.queue.close();
  }
}
