// Integration-test harness: plays the scheduler's side by hand against a real Redis and Docker.
// Everything it makes (keys under a random prefix, containers labelled with a random agent id,
// images it builds) is removed by cleanup().
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Queue, Worker } from 'bullmq';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import {
  bullPrefix,
  Channels,
  decodeLogEntry,
  InstanceReport,
  InstanceStatusJob,
  Labels,
  QueueNames,
  redisKeys,
  type DeploymentRecord,
  type DeployJob,
  type InstanceRecord,
  type LogLine,
} from '@draas/queue-contracts';
import { parseEnv, type AgentConfig } from '../config.js';
import { registerScripts, type AgentRedis } from '../redis/scripts.js';
// The repository's one waitFor (test/wait-for.ts), for the agent's tests to import from here; this
// folder is test code, left out of the agent's build.
import { waitFor } from '../../../../test/wait-for.js';

export { waitFor };

const run = promisify(execFile);

export const BASE_IMAGE = 'draas/busybox:local';

export class Harness {
  readonly id = randomBytes(4).toString('hex');
  readonly prefix = `test-agent-${this.id}`;
  readonly agentId = `test-${this.id}`;
  readonly keys = redisKeys(this.prefix);
  readonly channels = Channels(this.prefix);
  /** With the agent's scripts, as the agent's own connections have them. */
  readonly redis: AgentRedis;
  readonly docker = new Docker();
  readonly deployQueue: Queue;
  /** Every InstanceReport the agent sent, in arrival order (consumed as the scheduler would). */
  readonly reports: InstanceReport[] = [];
  private readonly reportWorker: Worker;
  private readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-agent-test-'));
  private readonly images: string[] = [];

  constructor(readonly redisUrl: string) {
    this.redis = registerScripts(new Redis(redisUrl, { maxRetriesPerRequest: null }));
    const connection = { url: redisUrl, maxRetriesPerRequest: null };
    this.deployQueue = new Queue(QueueNames.deploy(this.agentId), { connection, prefix: bullPrefix(this.prefix) });
    this.reportWorker = new Worker(
      QueueNames.instanceStatus,
      async (job) => {
        const parsed = InstanceStatusJob.parse(job.data);
        this.reports.push(...(parsed.type === 'instance-status' ? [parsed] : parsed.reports));
      },
      { connection, prefix: bullPrefix(this.prefix) },
    );
  }

  /** Agent settings for this test: loopback only, fast heartbeats, random health port. */
  config(overrides: Partial<AgentConfig> = {}): AgentConfig {
    return {
      ...parseEnv({
        REDIS_URL: this.redisUrl,
        REDIS_PREFIX: this.prefix,
        AGENT_ID: this.agentId,
        AGENT_DATA_DIR: this.dataDir,
        AGENT_IP: '127.0.0.1',
        AGENT_PUBLISH_IP: '127.0.0.1',
        AGENT_STOP_GRACE_SECONDS: '1',
        HEARTBEAT_MS: '500',
        AGENT_HEALTH_PORT: '0',
        LOG_LEVEL: 'warn',
      }),
      ...overrides,
    };
  }

  /** Builds an image FROM the busybox base; removed at cleanup. */
  async buildImage(name: string, dockerfile: string): Promise<string> {
    const tag = `draas-test/${name}:${this.id}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-agent-image-'));
    try {
      writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
      await run('docker', ['build', '--pull=false', '-q', '-t', tag, dir], { timeout: 120_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    this.images.push(tag);
    return tag;
  }

  /** What the scheduler writes before it enqueues a deploy job. */
  async writeRecords(deployment: DeploymentRecord, instances: InstanceRecord[]): Promise<void> {
    const multi = this.redis.multi().set(this.keys.deployment(deployment.id), JSON.stringify(deployment));
    for (const instance of instances) multi.set(this.keys.instance(instance.deploymentId, instance.index), JSON.stringify(instance));
    await multi.exec();
  }

  async addDeployJob(job: DeployJob, jobId: string): Promise<void> {
    await this.deployQueue.add('deploy', job, { jobId, attempts: 3, backoff: { type: 'fixed', delay: 200 } });
  }

  /** The job once it completed or failed (polled; bounded by timeoutMs). */
  async finishedJob(jobId: string, timeoutMs = 60_000) {
    return waitFor(`deploy job ${jobId} to finish`, async () => {
      const job = await this.deployQueue.getJob(jobId);
      const state = await job?.getState();
      return job && (state === 'completed' || state === 'failed') ? { job, state } : null;
    }, timeoutMs);
  }

  waitForReport(match: (r: InstanceReport) => boolean, what: string, timeoutMs = 60_000): Promise<InstanceReport> {
    return waitFor(`a report: ${what}`, async () => this.reports.find(match) ?? null, timeoutMs);
  }

  async logLines(deploymentId: string): Promise<LogLine[]> {
    const entries = await this.redis.xrange(this.keys.logs(deploymentId), '-', '+');
    return entries.map(([id, fields]) => decodeLogEntry(id, fields)).filter((l): l is LogLine => l !== null);
  }

  async containers(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${Labels.agent}=${this.agentId}`] } });
  }

  async cleanup(): Promise<void> {
    const steps: Array<() => Promise<unknown>> = [
      () => this.reportWorker.close(),
      () => this.deployQueue.obliterate({ force: true }).finally(() => this.deployQueue.close()),
      async () => Promise.all((await this.containers()).map((c) => this.docker.getContainer(c.Id).remove({ force: true, v: true }))),
      async () => Promise.all(this.images.map((tag) => this.docker.getImage(tag).remove({ force: true }))),
      () => this.deleteKeys(),
      () => this.redis.quit(),
      async () => rmSync(this.dataDir, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        console.warn(`test cleanup step failed: ${(err as Error).message}`);
      }
    }
  }

  private async deleteKeys(): Promise<void> {
    for (let cursor = '0', rounds = 0; rounds < 10_000; rounds++) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', redisKeys(this.prefix).everything, 'COUNT', 500);
      if (keys.length) await this.redis.del(...keys);
      cursor = next;
      if (cursor === '0') return;
    }
  }
}
