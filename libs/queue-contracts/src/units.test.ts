import { describe, expect, it } from 'vitest';
import { formatMemory, parseLabelList, parseMemory, parsePort } from './units.js';

describe('parseMemory', () => {
  it.each([
    ['256m', 256 * 1024 ** 2],
    ['256M', 256 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
    ['512Mi', 512 * 1024 ** 2],
    ['64k', 64 * 1024],
    ['1048576', 1048576],
    [1048576, 1048576],
    ['', null],
    ['12 parsecs', null],
    ['-5m', null],
    [0, null],
    [1.5, null],
  ])('%j → %j', (input, bytes) => {
    expect(parseMemory(input)).toBe(bytes);
  });

  it.each([
    [256 * 1024 ** 2, '256m'],
    [1024 ** 3, '1g'],
    [1536 * 1024, '1536k'],
    [1000, '1000'],
  ])('formats %d as %s', (bytes, text) => {
    expect(formatMemory(bytes)).toBe(text);
  });
});

describe('parsePort', () => {
  it.each([
    ['8080', { containerPort: 8080, protocol: 'tcp' }],
    [80, { containerPort: 80, protocol: 'tcp' }],
    ['53/udp', { containerPort: 53, protocol: 'udp' }],
    ['443/TCP', { containerPort: 443, protocol: 'tcp' }],
    ['0', null],
    ['65536', null],
    ['80/sctp', null],
    ['http', null],
  ])('%j → %j', (input, port) => {
    expect(parsePort(input)).toEqual(port);
  });
});

describe('parseLabelList', () => {
  it('reads k=v pairs', () => {
    expect(parseLabelList('zone=eu, gpu=yes,,')).toEqual({ zone: 'eu', gpu: 'yes' });
    expect(parseLabelList('')).toEqual({});
  });
  it('names the bad item', () => {
    expect(() => parseLabelList('zone=eu,oops')).toThrow(/"oops" is not a label/);
    expect(() => parseLabelList('a b=c')).toThrow(/"a b=c"/);
  });
});

describe('parseDuration and formatDuration', () => {
  it('reads ms, s, m, h and bare seconds, and refuses the rest', async () => {
    const { parseDuration, formatDuration } = await import('./units.js');
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(' 2D ')).toBe(172_800_000);
    expect(parseDuration(0.25)).toBe(250);
    for (const bad of ['', 's', '-1s', '2 days', '1e3']) expect(parseDuration(bad)).toBeNull();
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(2500)).toBe('2.5s');
    expect(formatDuration(90_000)).toBe('1m30s');
  });
});
