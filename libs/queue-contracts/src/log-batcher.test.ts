import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchQueue, LogBatcher, retryWithin } from './log-batcher.js';

const policy = { maxLines: 3, maxDelayMs: 50 };
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('BatchQueue', () => {
  it('has nothing due while empty', () => {
    const batcher = new BatchQueue<number>(policy);
    expect(batcher.msUntilDue(0)).toBeNull();
    expect(batcher.takeDue(1000)).toBeNull();
  });

  it('holds a small batch until its oldest line has waited maxDelayMs', () => {
    const batcher = new BatchQueue<number>(policy);
    batcher.add([1], 1000);
    batcher.add([2], 1030);
    expect(batcher.msUntilDue(1030)).toBe(20);
    expect(batcher.takeDue(1049)).toBeNull();
    expect(batcher.takeDue(1050)).toEqual([1, 2]);
    expect(batcher.size).toBe(0);
    expect(batcher.msUntilDue(2000)).toBeNull();
  });

  it('ships at once when maxLines are waiting, in batches of at most maxLines', () => {
    const batcher = new BatchQueue<number>(policy);
    batcher.add(range(0, 7), 1000);
    expect(batcher.msUntilDue(1000)).toBe(0);
    expect(batcher.takeDue(1000)).toEqual([0, 1, 2]);
    expect(batcher.takeDue(1000)).toEqual([3, 4, 5]);
    // The remainder has waited as long as the rest: due when the delay is up, not restarted.
    expect(batcher.takeDue(1000)).toBeNull();
    expect(batcher.takeDue(1050)).toEqual([6]);
  });

  it('starts the delay again for lines added after a flush', () => {
    const batcher = new BatchQueue<number>(policy);
    batcher.add([1], 0);
    expect(batcher.takeDue(50)).toEqual([1]);
    batcher.add([2], 100);
    expect(batcher.msUntilDue(120)).toBe(30);
  });

  it('hands over everything at the end, in bounded batches', () => {
    const batcher = new BatchQueue<number>(policy);
    batcher.add(range(0, 5), 0);
    expect(batcher.takeAll()).toEqual([[0, 1, 2], [3, 4]]);
    expect(batcher.size).toBe(0);
  });

  it('ignores empty additions', () => {
    const batcher = new BatchQueue<number>(policy);
    batcher.add([], 0);
    expect(batcher.msUntilDue(0)).toBeNull();
  });
});

describe('LogBatcher (build output)', () => {
  afterEach(() => vi.useRealTimers());

  it('writes every line once and in order when Redis fails for a moment', async () => {
    const written: string[] = [];
    let failures = 2;
    const batcher = new LogBatcher({
      send: async (lines: string[]) => {
        if (failures-- > 0) throw new Error('Connection is closed.');
        written.push(...lines);
      },
      policy: { maxLines: 2, maxDelayMs: 5 },
      retry: retryWithin(60_000),
    });
    batcher.push(['a', 'b', 'c']);
    batcher.push(['d']);
    await batcher.flush();
    expect(written).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails flush() when the writes keep failing for over a minute: lost lines are never silent', async () => {
    vi.useFakeTimers();
    const batcher = new LogBatcher({
      send: async () => {
        throw new Error('Connection is closed.');
      },
      policy: { maxLines: 500, maxDelayMs: 100 },
      retry: retryWithin(60_000),
    });
    batcher.push(['a']);
    const closed = batcher.flush();
    const outcome = closed.then(() => 'closed', (err: Error) => err.message);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(await outcome).toBe('Connection is closed.');
  });
});

describe('LogBatcher', () => {
  afterEach(() => vi.useRealTimers());

  /** A send that records each batch and holds it until release() is called. */
  function heldSend() {
    const batches: number[][] = [];
    const waiting: (() => void)[] = [];
    return {
      batches,
      send: (batch: number[]) => {
        batches.push(batch);
        return new Promise<void>((resolve) => waiting.push(resolve));
      },
      release: () => waiting.splice(0).forEach((resolve) => resolve()),
    };
  }

  it('sends after maxDelayMs, or at once when maxLines wait, one batch at a time', async () => {
    vi.useFakeTimers();
    const held = heldSend();
    const batcher = new LogBatcher({ send: held.send, policy: { maxLines: 3, maxDelayMs: 50 } });
    batcher.push([1]);
    await vi.advanceTimersByTimeAsync(49);
    expect(held.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(held.batches).toEqual([[1]]);
    batcher.push([2, 3, 4, 5]);
    await vi.advanceTimersByTimeAsync(100);
    // The first send has not finished: nothing else goes out meanwhile.
    expect(held.batches).toEqual([[1]]);
    held.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(held.batches).toEqual([[1], [2, 3, 4]]);
    held.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(held.batches).toEqual([[1], [2, 3, 4], [5]]);
    held.release();
    await batcher.flush();
    expect(batcher.size).toBe(0);
  });

  it('flush() sends what waits at once and can be called again', async () => {
    const sent: number[][] = [];
    const batcher = new LogBatcher({ send: async (batch: number[]) => sent.push(batch), policy: { maxLines: 2, maxDelayMs: 60_000 } });
    batcher.push([1, 2, 3]);
    await batcher.flush();
    batcher.push([4]);
    await batcher.flush();
    expect(sent).toEqual([[1, 2], [3], [4]]);
  });

  it('pauses the source at the high-water mark and resumes it under half of it', async () => {
    vi.useFakeTimers();
    const held = heldSend();
    const events: string[] = [];
    const batcher = new LogBatcher({
      send: held.send,
      policy: { maxLines: 2, maxDelayMs: 10 },
      highWater: { lines: 4, pause: () => events.push('pause'), resume: () => events.push('resume') },
    });
    batcher.push([1, 2]);
    await vi.advanceTimersByTimeAsync(0);
    batcher.push([3, 4, 5, 6]);
    expect(events).toEqual(['pause']);
    held.release();
    await vi.advanceTimersByTimeAsync(0);
    held.release();
    await vi.advanceTimersByTimeAsync(0);
    // Checked once the due batches are all sent, as the sending stops.
    expect(events).toEqual(['pause']);
    expect(held.batches).toEqual([[1, 2], [3, 4], [5, 6]]);
    held.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['pause', 'resume']);
    await batcher.flush();
  });

  it('hands a batch given up to onGiveUp and keeps going; tries and successes are reported', async () => {
    vi.useFakeTimers();
    let stopping = false;
    let fail = true;
    const given: [string, number[]][] = [];
    const retries: number[] = [];
    const sent: [number[], number][] = [];
    const batcher = new LogBatcher({
      send: async (batch: number[]) => {
        if (fail) throw new Error('Connection is closed.');
        return batch;
      },
      retry: ({ attempt }) => !stopping || attempt < 3,
      onGiveUp: (err, batch) => given.push([err.message, batch]),
      onRetry: (_err, attempt) => retries.push(attempt),
      onSent: (batch, attempts) => sent.push([batch, attempts]),
    });
    batcher.push([1]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(retries.length).toBeGreaterThan(5);
    fail = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(sent).toEqual([[[1], retries.length + 1]]);

    fail = true;
    stopping = true;
    batcher.push([2]);
    const flushed = batcher.flush();
    await vi.advanceTimersByTimeAsync(10_000);
    await flushed;
    expect(given).toEqual([['Connection is closed.', [2]]]);
    batcher.push([3]);
    const again = batcher.flush();
    await vi.advanceTimersByTimeAsync(10_000);
    await again;
    // A later batch gets its own tries (this rule ignores gaveUpBefore).
    expect(given).toEqual([['Connection is closed.', [2]], ['Connection is closed.', [3]]]);
  });

  it('gives later batches one try each once one was given up under retryWithin', async () => {
    vi.useFakeTimers();
    let tries = 0;
    const batcher = new LogBatcher({
      send: async () => {
        tries++;
        throw new Error('down');
      },
      policy: { maxLines: 1, maxDelayMs: 10 },
      retry: retryWithin(1000),
    });
    batcher.push([1, 2, 3]);
    const outcome = batcher.flush().then(() => 'flushed', (err: Error) => err.message);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await outcome).toBe('down');
    // The first batch was tried for a second (at 0, 250, 750 and 1500 ms); the two after it once each.
    expect(tries).toBe(6);
    const tried = tries;
    batcher.push([4]);
    await batcher.flush().catch(() => undefined);
    expect(tries).toBe(tried + 1);
  });
});
