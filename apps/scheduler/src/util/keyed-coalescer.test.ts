import { describe, expect, it } from 'vitest';
import { KeyedCoalescer } from './keyed-coalescer.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('KeyedCoalescer', () => {
  it('folds a burst into the run under way plus one more', async () => {
    const coalescer = new KeyedCoalescer();
    let runs = 0;
    const work = async () => {
      runs++;
      await tick();
    };
    await Promise.all(Array.from({ length: 50 }, () => coalescer.run('a', work)));
    expect(runs).toBe(2);
  });

  it('settles a caller only after a run that started after its request', async () => {
    const coalescer = new KeyedCoalescer();
    const seen: number[] = [];
    let value = 0;
    const work = async () => {
      const read = value;
      await tick();
      seen.push(read);
    };
    const first = coalescer.run('a', work);
    value = 1;
    const second = coalescer.run('a', work);
    await second;
    expect(seen).toEqual([0, 1]);
    await first;
  });

  it('keeps keys apart, and a failure reaches its callers without stopping the next run', async () => {
    const coalescer = new KeyedCoalescer();
    let calls = 0;
    const failing = async () => {
      calls++;
      await tick();
      if (calls === 1) throw new Error('boom');
    };
    const a = coalescer.run('a', failing);
    const again = coalescer.run('a', failing);
    const b = coalescer.run('b', async () => undefined);
    await expect(a).rejects.toThrow('boom');
    await expect(again).resolves.toBeUndefined();
    await expect(b).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
