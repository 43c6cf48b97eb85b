import { describe, expect, it } from 'vitest';
import { Heartbeat, isLogLine, LogLine, parseLogBatch } from './messages.js';

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

describe('Heartbeat', () => {
  const beat = {
    type: 'heartbeat', version: 1, agentId: 'node-1', address: '10.0.0.7', labels: {},
    capacity: { memoryBytes: 1, milliCpus: 1, maxInstances: 1 },
    resources: { cpuPercent: 0, cpus: 1, memoryTotalBytes: 1, memoryAvailableBytes: 1, diskTotalBytes: 1, diskFreeBytes: 1 },
    runningInstances: 0, versions: { agent: '0.1.0', docker: '27.0.0', node: '20.0.0' }, heartbeatMs: 2000,
    connectionName: null, startedAt: 1, sentAt: 2,
  };
  it('carries where the health server listens, and still takes the beats of agents that do not say', () => {
    expect(Heartbeat.parse({ ...beat, healthHost: '127.0.0.1', healthPort: 5001 })).toMatchObject({ healthHost: '127.0.0.1', healthPort: 5001 });
    expect(Heartbeat.parse({ ...beat, healthHost: '127.0.0.1', healthPort: null }).healthPort).toBeNull();
    expect(Heartbeat.safeParse(beat).success).toBe(true);
    expect(Heartbeat.safeParse({ ...beat, healthPort: 0 }).success).toBe(false);
  });
});
