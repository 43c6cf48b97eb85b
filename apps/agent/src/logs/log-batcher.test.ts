import { describe, expect, it } from 'vitest';
import { LogBatcher } from './log-batcher.js';

const policy = { maxLines: 3, maxDelayMs: 50 };
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('LogBatcher', () => {
  it('has nothing due while empty', () => {
    const batcher = new LogBatcher<number>(policy);
    expect(batcher.msUntilDue(0)).toBeNull();
    expect(batcher.takeDue(1000)).toBeNull();
  });

  it('holds a small batch until its oldest line has waited maxDelayMs', () => {
    const batcher = new LogBatcher<number>(policy);
    batcher.add([1], 1000);
    batcher.add([2], 1030);
    expect(batcher.msUntilDue(1030)).toBe(20);
    expect(batcher.takeDue(1049)).toBeNull();
    expect(batcher.takeDue(1050)).toEqual([1, 2]);
    expect(batcher.size).toBe(0);
    expect(batcher.msUntilDue(2000)).toBeNull();
  });

  it('ships at once when maxLines are waiting, in batches of at most maxLines', () => {
    const batcher = new LogBatcher<number>(policy);
    batcher.add(range(0, 7), 1000);
    expect(batcher.msUntilDue(1000)).toBe(0);
    expect(batcher.takeDue(1000)).toEqual([0, 1, 2]);
    expect(batcher.takeDue(1000)).toEqual([3, 4, 5]);
    // The remainder has waited as long as the rest: due when the delay is up, not restarted.
    expect(batcher.takeDue(1000)).toBeNull();
    expect(batcher.takeDue(1050)).toEqual([6]);
  });

  it('starts the delay again for lines added after a flush', () => {
    const batcher = new LogBatcher<number>(policy);
    batcher.add([1], 0);
    expect(batcher.takeDue(50)).toEqual([1]);
    batcher.add([2], 100);
    expect(batcher.msUntilDue(120)).toBe(30);
  });

  it('hands over everything at the end, in bounded batches', () => {
    const batcher = new LogBatcher<number>(policy);
    batcher.add(range(0, 5), 0);
    expect(batcher.takeAll()).toEqual([[0, 1, 2], [3, 4]]);
    expect(batcher.size).toBe(0);
  });

  it('ignores empty additions', () => {
    const batcher = new LogBatcher<number>(policy);
    batcher.add([], 0);
    expect(batcher.msUntilDue(0)).toBeNull();
  });
});
