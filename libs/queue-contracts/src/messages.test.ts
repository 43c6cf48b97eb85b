import { describe, expect, it } from 'vitest';
import { isLogLine, LogLine, parseLogBatch } from './messages.js';

const good = { id: '1-0', time: 1, phase: 'run', instance: 0, stream: 'stdout', line: 'hi' };

describe('isLogLine agrees with the LogLine schema', () => {
  it.each([
    good,
    { ...good, instance: null, phase: 'system', stream: 'system' },
    { ...good, phase: 'build', line: '' },
    { ...good, id: 5 },
    { ...good, time: 1.5 },
    { ...good, time: '1' },
    { ...good, phase: 'deploy' },
    { ...good, instance: -1 },
    { ...good, instance: 0.5 },
    { ...good, stream: 'stdin' },
    { ...good, line: null },
    { ...good, line: undefined },
    null,
    'a line',
    [],
  ])('%j', (value) => {
    expect(isLogLine(value)).toBe(LogLine.safeParse(value).success);
  });
});

describe('parseLogBatch', () => {
  const batch = { type: 'log-batch', version: 1, deploymentId: 'abcdefabcdef', prevId: '0-0', lines: [good] };
  it('takes a good batch and refuses a bad envelope or a bad line', () => {
    expect(parseLogBatch(JSON.stringify(batch))).toEqual(batch);
    expect(parseLogBatch(JSON.stringify({ ...batch, version: 2 }))).toBeNull();
    expect(parseLogBatch(JSON.stringify({ ...batch, lines: [] }))).toBeNull();
    expect(parseLogBatch(JSON.stringify({ ...batch, lines: [good, { ...good, phase: 'nope' }] }))).toBeNull();
    expect(parseLogBatch('{not json')).toBeNull();
  });
});
