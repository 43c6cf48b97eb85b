import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { DeploymentRecord, formatZodError, InstanceRecord, type RedisKeys } from '@draas/queue-contracts';

/** What the scheduler wants for one instance: the records it alone writes. Null = no such record. */
export interface DesiredInstance {
  deployment: DeploymentRecord | null;
  instance: InstanceRecord | null;
}

/** Reads the desired state; the agent never writes these records (the scheduler is their only writer). */
export class DesiredStateReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async read(deploymentId: string, index: number): Promise<DesiredInstance> {
    const [deploymentText, instanceText] = await this.redis.mget(this.keys.deployment(deploymentId), this.keys.instance(deploymentId, index));
    return {
      deployment: parseRecord(DeploymentRecord, deploymentText ?? null, this.keys.deployment(deploymentId)),
      instance: parseRecord(InstanceRecord, instanceText ?? null, this.keys.instance(deploymentId, index)),
    };
  }
}

/**
 * A missing record is an answer (null); a record that does not match the contract is not: acting on
 * it as if it were missing would stop containers that may well be wanted, so it throws instead.
 */
function parseRecord<T>(schema: z.ZodType<T>, text: string | null, key: string): T | null {
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${key} is not JSON`);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new Error(`${key} does not match its contract: ${formatZodError(result.error)}`);
  return result.data;
}
