import { LINE_CUT_MARKER, MAX_LINE_CHARS } from '@draas/queue-contracts/runtime';
import { describe, expect, it } from 'vitest';
import { compareTimes, parseDockerTime, TimedLineSplitter } from './timed-lines.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('parseDockerTime', () => {
  it.each([
    ['2026-11-28T01:02:03.123456789Z', [Date.parse('2026-11-28T01:02:03Z') / 1000, 123456789]],
    ['2026-11-28T01:02:03.1Z', [Date.parse('2026-11-28T01:02:03Z') / 1000, 100000000]],
    ['2026-11-28T01:02:03Z', [Date.parse('2026-11-28T01:02:03Z') / 1000, 0]],
    ['2026-11-28T02:02:03.5+01:00', [Date.parse('2026-11-28T01:02:03Z') / 1000, 500000000]],
    ['not a time', [0, 0]],
  ])('%s', (text, expected) => {
    expect(parseDockerTime(text)).toEqual(expected);
  });

  it('orders times that drop trailing zeros correctly', () => {
    const a = parseDockerTime('2026-11-28T01:02:03.1Z');
    const b = parseDockerTime('2026-11-28T01:02:03.12Z');
    expect(compareTimes(a, b)).toBeLessThan(0);
    expect(compareTimes(b, a)).toBeGreaterThan(0);
    expect(compareTimes(a, a)).toBe(0);
  });
});

describe('TimedLineSplitter', () => {
  it('splits entries across chunks, keeps times, and handles \\r and bad UTF-8', () => {
    const splitter = new TimedLineSplitter();
    const lines = [
      ...splitter.push(enc('2026-11-28T01:02:03.1Z hel')),
      ...splitter.push(enc('lo\n2026-11-28T01:02:03.2Z 10%\r100%\n2026-11-28T01:02:03.3Z bad ')),
      ...splitter.push(new Uint8Array([0xff, 0x0a])),
      ...splitter.push(enc('2026-11-28T01:02:04Z last, no newline')),
      ...splitter.end(),
    ];
    expect(lines.map((l) => l.text)).toEqual(['hello', '100%', 'bad \uFFFD', 'last, no newline']);
    expect(lines.map((l) => l.at[1])).toEqual([100000000, 200000000, 300000000, 0]);
  });

  it('keeps a line without a time as it is', () => {
    const splitter = new TimedLineSplitter();
    expect(splitter.push(enc('plain line\n')).map((l) => [l.text, l.at])).toEqual([['plain line', [0, 0]]]);
  });

  it('gives every piece of a cut line its time, and holds no more than the cap', () => {
    const splitter = new TimedLineSplitter();
    const text = 'x'.repeat(2 * MAX_LINE_CHARS + 5);
    const lines = [];
    // One byte at a time: the time itself arrives in pieces too.
    for (const byte of enc(`2026-11-28T01:02:03.5Z ${text}\n2026-11-28T01:02:04Z next\n`)) {
      lines.push(...splitter.push(new Uint8Array([byte])));
      expect(splitter.heldChars).toBeLessThanOrEqual(MAX_LINE_CHARS);
    }
    expect(lines.map((l) => [l.at[1], l.text.length, l.text.endsWith(LINE_CUT_MARKER)])).toEqual([
      [500000000, MAX_LINE_CHARS + LINE_CUT_MARKER.length, true],
      [500000000, MAX_LINE_CHARS + LINE_CUT_MARKER.length, true],
      [500000000, 5, false],
      [0, 4, false],
    ]);
    expect(lines.map((l) => l.text.replace(LINE_CUT_MARKER, '')).slice(0, 3).join('')).toBe(text);
  });

  it('keeps the time when progress updates overwrite the text', () => {
    const splitter = new TimedLineSplitter();
    const lines = [...splitter.push(enc('2026-11-28T01:02:03.7Z 10%\r50%\r')), ...splitter.push(enc('100%\r\n')), ...splitter.end()];
    expect(lines).toEqual([{ at: parseDockerTime('2026-11-28T01:02:03.7Z'), text: '100%' }]);
  });
});
