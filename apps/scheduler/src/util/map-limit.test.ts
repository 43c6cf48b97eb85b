import { describe, expect, it } from 'vitest';
import { forEachWeighted, mapLimit } from './map-limit.js';

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('handles nothing', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });

  it('rejects with the first failure once the calls in flight end, and starts nothing after it', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      // 0 is slow, 1 fails at once: 0 is still in flight and must end before the rejection.
      await new Promise((r) => setTimeout(r, i === 0 ? 20 : 1));
      if (i === 1) throw new Error(`boom ${i}`);
      finished.push(i);
      return i;
    });
    await expect(run).rejects.toThrow('boom 1');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });

  it('rejects with the first failure when several fail', async () => {
    const run = mapLimit([1, 2, 3], 3, async (i) => {
      await new Promise((r) => setTimeout(r, i * 5));
      throw new Error(`boom ${i}`);
    });
    await expect(run).rejects.toThrow('boom 1');
  });
});

describe('forEachWeighted', () => {
  /** Runs items (weight, ms) and records the most weight and the most calls in flight, and the start order. */
  async function trace(items: [number, number][], budget: number, limit: number) {
    let weight = 0;
    let calls = 0;
    const most = { weight: 0, calls: 0 };
    const started: number[] = [];
    await forEachWeighted(items.map((item, i) => ({ i, w: item[0], ms: item[1] })), (x) => x.w, budget, limit, async (x) => {
      started.push(x.i);
      weight += x.w;
      calls++;
      most.weight = Math.max(most.weight, weight);
      most.calls = Math.max(most.calls, calls);
      await new Promise((r) => setTimeout(r, x.ms));
      weight -= x.w;
      calls--;
    });
    return { most, started };
  }

  it('keeps the weight in flight within the budget, starting items in order', async () => {
    const { most, started } = await trace([[600, 5], [600, 5], [600, 5], [300, 5], [100, 5]], 1000, 32);
    expect(most.weight).toBeLessThanOrEqual(1000);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs light items side by side up to the limit', async () => {
    const { most } = await trace(Array.from({ length: 20 }, () => [1, 5] as [number, number]), 1000, 4);
    expect(most.calls).toBe(4);
  });

  it('runs an item heavier than the budget, alone', async () => {
    const { most } = await trace([[1, 5], [5000, 5], [1, 5]], 1000, 32);
    expect(most.weight).toBe(5000);
    expect(most.calls).toBe(1);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = forEachWeighted([0, 1, 2, 3], () => 1, 1, 1, async (i) => {
      started.push(i);
      if (i === 1) throw new Error('boom');
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });
});
