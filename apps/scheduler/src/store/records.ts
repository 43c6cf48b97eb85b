import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { ScriptedRedis } from './scripts.js';

// Optimistic concurrency for JSON records: every record carries `rev`; a write succeeds only if the
// stored rev is still the one read. Several writers (API, build worker, placement, status worker, and
// more than one scheduler) can then update the same record without losing each other's changes.
// The check and the write are one script, lua/cas.lua.

export type Versioned = { rev: number };

/**
 * A hash kept in step with the records, in the same atomic write: one small field per record (an
 * instance's status, by index), so that a summary of many records is read without parsing them all.
 */
export interface RecordIndex<T> {
  key: string;
  field: string;
  value(record: T): string;
}

function cas<T>(redis: ScriptedRedis, key: string, expectedRev: string, record: T, index?: RecordIndex<T>): Promise<number> {
  const json = JSON.stringify(record);
  return index
    ? redis.draasCasIndexed(key, index.key, expectedRev, json, index.field, index.value(record))
    : redis.draasCas(key, expectedRev, json);
}

/** Reads a JSON record through its schema; a record that does not parse is an error, not "missing". */
export async function readRecord<T>(redis: Redis, key: string, schema: z.ZodType<T>): Promise<T | null> {
  const text = await redis.get(key);
  return text === null ? null : parseRecord(key, text, schema);
}

export function parseRecord<T>(key: string, text: string, schema: z.ZodType<T>): T {
  const result = schema.safeParse(JSON.parse(text));
  if (!result.success) throw new Error(`record ${key} does not match its schema: ${result.error.message}`);
  return result.data;
}

const MAX_ATTEMPTS = 50;

/**
 * Read-modify-write with retry on conflict. `mutate` returns the new record (without caring about rev)
 * or null to leave it as it is. Returns the stored record, or null when it does not exist. `known`: the
 * record as just read by the caller, tried first without reading it again (a conflict reads it anew).
 */
export async function updateRecord<T extends Versioned>(
  redis: ScriptedRedis,
  key: string,
  schema: z.ZodType<T>,
  mutate: (current: T) => T | null,
  index?: RecordIndex<T>,
  known?: T,
): Promise<{ record: T; changed: boolean } | null> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = attempt === 0 && known ? known : await readRecord(redis, key, schema);
    if (current === null) return null;
    const next = mutate(current);
    if (next === null) return { record: current, changed: false };
    const stored = { ...next, rev: current.rev + 1 };
    const ok = await cas(redis, key, String(current.rev), stored, index);
    if (ok === 1) return { record: stored, changed: true };
    if (ok === -1) return null;
  }
  throw new Error(`record ${key} kept changing under ${MAX_ATTEMPTS} attempts to update it`);
}

/** Creates a record only if it does not exist; false when it does. */
export async function createRecord<T extends Versioned>(redis: ScriptedRedis, key: string, record: T, index?: RecordIndex<T>): Promise<boolean> {
  return (await cas(redis, key, '-1', record, index)) === 1;
}
