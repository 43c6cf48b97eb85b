import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NewLogLine } from '@draas/queue-contracts';
import { LogBatcher } from './log-batcher.js';

const clock = { now: () => Date.now() };

describe('LogBatcher (build output)', () => {
  afterEach(() => vi.useRealTimers());

  it('writes every line once and in order when Redis fails for a moment', async () => {
    const written: string[] = [];
    let failures = 2;
    const batcher = new LogBatcher(async (lines: NewLogLine[]) => {
      if (failures-- > 0) throw new Error('Connection is closed.');
      written.push(...lines.map((l) => l.line));
    }, clock, 2, 5);
    batcher.add(['a', 'b', 'c']);
    batcher.add(['d']);
    await batcher.close();
    expect(written).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails close() when the writes keep failing for over a minute: lost lines are never silent', async () => {
    vi.useFakeTimers();
    const batcher = new LogBatcher(async () => {
      throw new Error('Connection is closed.');
    }, clock);
    batcher.add(['a']);
    const closed = batcher.close();
    const outcome = closed.then(() => 'closed', (err: Error) => err.message);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(await outcome).toBe('Connection is closed.');
  });
});
