import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/usage-error.js';
import { parseDuration, parseSince } from './since.js';

describe('parseDuration', () => {
  it.each([
    ['10m', 600_000],
    ['45s', 45_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    [' 3H ', 10_800_000],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '10', 'm', '10x', '-5m', '10 m', 'soon'])('refuses %j', (input) => {
    expect(parseDuration(input)).toBeNull();
  });
});

describe('parseSince', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('counts a duration back from now', () => {
    expect(parseSince('10m', now)).toBe(Date.parse('2025-06-01T11:50:00Z'));
  });

  it('takes an ISO time as it is', () => {
    expect(parseSince('2025-05-31T23:00:00Z', now)).toBe(Date.parse('2025-05-31T23:00:00Z'));
    expect(parseSince('2025-05-31T23:00:00+02:00', now)).toBe(Date.parse('2025-05-31T21:00:00Z'));
  });

  it('says what it expects for anything else', () => {
    expect(() => parseSince('yesterday', now)).toThrow(UsageError);
    expect(() => parseSince('5', now)).toThrow(/duration such as 10m.*ISO time/);
  });
});
