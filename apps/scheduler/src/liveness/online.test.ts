import { describe, expect, it } from 'vitest';
import { agentOnline, connectionNames } from './online.js';

const beat = { sentAt: 10_000, heartbeatMs: 2000, connectionName: 'draas-agent-a-commands' };
const connected = new Set(['draas-agent-a-commands']);
const none = new Set<string>();

describe('agentOnline', () => {
  it.each([
    { name: 'a fresh beat', now: 10_500, connections: connected, online: true },
    { name: 'two beats late, still connected', now: 15_000, connections: connected, online: true },
    { name: 'three beats late', now: 16_001, connections: connected, online: false },
    { name: 'connection closed but no beat missed yet', now: 11_900, connections: none, online: true },
    { name: 'connection closed, the beat only just due', now: 12_400, connections: none, online: true },
    { name: 'connection closed and a beat late', now: 12_600, connections: none, online: false },
    { name: 'connections unknown: only beats count', now: 13_100, connections: null, online: true },
    { name: 'an agent naming no connection: only beats count', now: 13_100, connections: none, online: true, connectionName: null },
  ])('$name', ({ now, connections, online, connectionName }) => {
    const heartbeat = connectionName === null ? { ...beat, connectionName: null } : beat;
    expect(agentOnline(heartbeat, now, 3, connections)).toBe(online);
  });
});

describe('connectionNames', () => {
  it('reads the names of CLIENT LIST', () => {
    const list = [
      'id=3 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=draas-agent-a-commands age=2 idle=0 flags=N db=0',
      'id=4 addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=9 name= age=2 idle=0 flags=N db=0',
      'id=5 addr=127.0.0.1:5002 laddr=127.0.0.1:6379 fd=10 name=draas-scheduler-commands age=1 idle=0 flags=N db=0',
    ].join('\n');
    expect(connectionNames(list)).toEqual(new Set(['draas-agent-a-commands', 'draas-scheduler-commands']));
  });
});
