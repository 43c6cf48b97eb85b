import { DeploymentRecord, InstanceRecord, InstanceStatus, type RedisKeys } from '@draas/queue-contracts';
import { NotFound } from '../errors.js';
import { createRecord, parseRecord, readRecord, updateRecord, type RecordIndex } from './records.js';
import type { ScriptedRedis } from './scripts.js';

/** Deployment and instance records in Redis. The scheduler is their only writer. */
export class DeploymentStore {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeys,
  ) {}

  async create(record: DeploymentRecord): Promise<void> {
    if (!(await createRecord(this.redis, this.keys.deployment(record.id), record))) {
      throw new Error(`deployment ${record.id} already exists`);
    }
    await this.redis.zadd(this.keys.deployments, Date.parse(record.createdAt), record.id);
  }

  get(id: string): Promise<DeploymentRecord | null> {
    return readRecord(this.redis, this.keys.deployment(id), DeploymentRecord);
  }

  async require(id: string): Promise<DeploymentRecord> {
    const record = await this.get(id);
    if (!record) throw new NotFound(`deployment ${id} does not exist`);
    return record;
  }

  /** The records of these ids that exist, in their order. */
  async getMany(ids: readonly string[]): Promise<DeploymentRecord[]> {
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => this.keys.deployment(id)));
    return texts.flatMap((text, i) => (text === null ? [] : [parseRecord(this.keys.deployment(ids[i] as string), text, DeploymentRecord)]));
  }

  /** Newest first. */
  async list(limit: number): Promise<DeploymentRecord[]> {
    return this.getMany(await this.redis.zrevrange(this.keys.deployments, 0, limit - 1));
  }

  /** See updateRecord; throws NotFound when the deployment does not exist. */
  async update(id: string, mutate: (current: DeploymentRecord) => DeploymentRecord | null) {
    const result = await updateRecord(this.redis, this.keys.deployment(id), DeploymentRecord, mutate);
    if (!result) throw new NotFound(`deployment ${id} does not exist`);
    return result;
  }

  /** Instance records 0..replicas-1 that exist. */
  async instances(id: string, replicas: number): Promise<InstanceRecord[]> {
    if (replicas === 0) return [];
    const keys = Array.from({ length: replicas }, (_, i) => this.keys.instance(id, i));
    const texts = await this.redis.mget(keys);
    return texts.flatMap((text, i) => (text === null ? [] : [parseRecord(keys[i] as string, text, InstanceRecord)]));
  }

  getInstance(id: string, index: number): Promise<InstanceRecord | null> {
    return readRecord(this.redis, this.keys.instance(id, index), InstanceRecord);
  }

  /** Creates the instance record when missing; returns whether it did. */
  createInstance(record: InstanceRecord): Promise<boolean> {
    return createRecord(this.redis, this.keys.instance(record.deploymentId, record.index), record, this.statusIndex(record.deploymentId, record.index));
  }

  /** See updateRecord; `known`: the instance as the caller just read it. */
  updateInstance(id: string, index: number, mutate: (current: InstanceRecord) => InstanceRecord | null, known?: InstanceRecord) {
    return updateRecord(this.redis, this.keys.instance(id, index), InstanceRecord, mutate, this.statusIndex(id, index), known);
  }

  /** Every instance's status, kept beside the records in the same writes; read without parsing records. */
  async instanceStatuses(id: string): Promise<InstanceStatus[]> {
    const values = await this.redis.hvals(this.keys.instanceStatuses(id));
    return values.map((v) => InstanceStatus.parse(v));
  }

  private statusIndex(id: string, index: number): RecordIndex<InstanceRecord> {
    return { key: this.keys.instanceStatuses(id), field: String(index), value: (r) => r.status };
  }
}
