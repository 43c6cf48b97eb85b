import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { reconnectDelay, watchConnection } from './redis-connection.js';

describe('watchConnection', () => {
  it('says once that the connection is down, without the password, and once that it is back', () => {
    const redis = new EventEmitter();
    const lines: [string, object][] = [];
    const log = { warn: (fields: object, message: string) => lines.push([message, fields]), info: (fields: object, message: string) => lines.push([message, fields]) };
    watchConnection(redis, log, 'redis://draas:s3cret@127.0.0.1:6379', 'commands');
    for (let i = 0; i < 5; i++) redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    redis.emit('ready');
    redis.emit('ready');
    redis.emit('error', new Error('again'));
    expect(lines.map(([message]) => message)).toEqual(['redis connection error', 'redis connection back', 'redis connection error']);
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });
});

describe('reconnectDelay', () => {
  it('backs off and is capped at 2 s, never giving up', () => {
    expect([1, 2, 10, 1000].map(reconnectDelay)).toEqual([100, 200, 1000, 2000]);
  });
});
