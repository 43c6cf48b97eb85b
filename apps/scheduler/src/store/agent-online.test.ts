import { describe, expect, it } from 'vitest';
import { agentOnline, ConnectionTracker, connectionNames } from './agent-online.js';

const beat = { sentAt: 10_000, heartbeatMs: 2000 };

describe('agentOnline', () => {
  it.each([
    { name: 'a fresh beat', now: 10_500, goneFor: null, online: true },
    { name: 'two beats late, still connected', now: 15_000, goneFor: null, online: true },
    { name: 'three beats late', now: 16_001, goneFor: null, online: false },
    { name: 'connection closed a moment ago, no beat missed', now: 10_500, goneFor: 300, online: true },
    { name: 'connection closed for half a period', now: 10_500, goneFor: 1000, online: false },
    { name: 'connection closed a moment ago, a beat late', now: 12_600, goneFor: 10, online: true },
    { name: 'connection unknown: only beats count', now: 15_900, goneFor: null, online: true },
  ])('$name', ({ now, goneFor, online }) => {
    expect(agentOnline(beat, now, 3, goneFor)).toBe(online);
  });

  it('counts no silence from before this scheduler reconnected to Redis, and gives agents time to reconnect too', () => {
    // Redis was away from 10.2 s to 20 s: the beat of 10 s is long stale, but the agents' clients
    // reconnect within 2 s of Redis, and then beat.
    expect(agentOnline(beat, 26_000, 3, null, 20_000)).toBe(true);
    expect(agentOnline(beat, 28_100, 3, null, 20_000)).toBe(false);
  });

  it('a longer heartbeat period gives a restarting agent longer', () => {
    const slow = { sentAt: 10_000, heartbeatMs: 10_000 };
    expect(agentOnline(slow, 13_000, 3, 3000)).toBe(true);
    expect(agentOnline(slow, 15_000, 3, 5000)).toBe(false);
  });
});

describe('ConnectionTracker', () => {
  it('counts a connection as closed only after it was seen open', () => {
    const tracker = new ConnectionTracker();
    tracker.observe(new Set(['a']), 0);
    expect(tracker.goneFor('b', 0)).toBeNull();
    tracker.observe(new Set(['b']), 100);
    expect(tracker.goneFor('a', 600)).toBe(500);
    expect(tracker.goneFor('b', 600)).toBeNull();
  });

  it('measures from the first answer that missed it, and forgets it when it comes back', () => {
    const tracker = new ConnectionTracker();
    tracker.observe(new Set(['a']), 0);
    tracker.observe(new Set(), 250);
    tracker.observe(new Set(), 500);
    expect(tracker.goneFor('a', 700)).toBe(450);
    tracker.observe(new Set(['a']), 750);
    expect(tracker.goneFor('a', 800)).toBeNull();
  });

  it('after a reset (this scheduler reconnected) nothing missing counts until seen again', () => {
    const tracker = new ConnectionTracker();
    tracker.observe(new Set(['a']), 0);
    tracker.reset();
    tracker.observe(new Set(), 100);
    expect(tracker.goneFor('a', 5000)).toBeNull();
    expect(tracker.goneFor(null, 5000)).toBeNull();
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
