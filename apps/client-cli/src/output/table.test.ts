import { describe, expect, it } from 'vitest';
import { makeColors } from './colors.js';
import { formatAge, formatBytes, logPrefix } from './format.js';
import { formatDetails, formatTable } from './table.js';

describe('formatTable', () => {
  it('aligns columns under upper-case headers, without trailing spaces', () => {
    const table = formatTable(['id', 'name', 'status'], [
      ['k2h4x9q0m1ab', 'static-site', 'running'],
      ['a1', 'api', 'failed'],
    ]);
    expect(table.split('\n')).toEqual([
      'ID            NAME         STATUS',
      'k2h4x9q0m1ab  static-site  running',
      'a1            api          failed',
    ]);
  });

  it('measures coloured cells by what the terminal shows', () => {
    const { green } = makeColors(true);
    const table = formatTable(['status', 'age'], [[green('running'), '5m'], ['queued', '1h']]);
    const [header, first, second] = table.split('\n');
    expect(first).toBe(`${green('running')}  5m`);
    expect(second).toBe('queued   1h');
    expect(header).toBe('STATUS   AGE');
  });

  it('prints only the header for no rows, and empty cells as blanks', () => {
    expect(formatTable(['a', 'b'], [])).toBe('A  B');
    expect(formatTable(['a', 'b', 'c'], [['', 'x', '']])).toBe('A  B  C\n   x');
  });
});

describe('formatDetails', () => {
  it('aligns keys and drops empty values', () => {
    expect(formatDetails([['id', 'x'], ['error', ''], ['status', 'running']])).toBe('id      x\nstatus  running');
  });
});

describe('formatters', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it.each([
    ['2025-06-01T11:59:18Z', '42s'],
    ['2025-06-01T11:55:00Z', '5m'],
    ['2025-06-01T09:00:00Z', '3h'],
    ['2025-05-20T12:00:00Z', '12d'],
    ['2025-06-01T12:00:05Z', '0s'], // a clock slightly ahead never gives a negative age
  ])('age since %s is %s', (since, age) => {
    expect(formatAge(since, now)).toBe(age);
  });

  it.each([
    [512, '512 B'],
    [3500, '3.4 KiB'],
    [256 * 1024 ** 2, '256 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('prefixes log lines with their phase and instance', () => {
    expect(logPrefix({ phase: 'build', instance: null })).toBe('[build]');
    expect(logPrefix({ phase: 'run', instance: 2 })).toBe('[run:2]');
    expect(logPrefix({ phase: 'system', instance: null })).toBe('[system]');
  });
});
