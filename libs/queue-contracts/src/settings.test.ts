import { describe, expect, it } from 'vitest';
import { sentinelOptions } from './redis-connection.js';
import { maskRedisUrl, parseDockerHost, RedisSentinelsSetting } from './settings.js';

describe('parseDockerHost', () => {
  it.each([
    [undefined, { socketPath: '/var/run/docker.sock' }],
    ['', { socketPath: '/var/run/docker.sock' }],
    ['unix:///var/run/docker.sock', { socketPath: '/var/run/docker.sock' }],
    ['tcp://10.1.2.3:2375', { host: '10.1.2.3', port: 2375, protocol: 'http' }],
    ['tcp://docker.local', { host: 'docker.local', port: 2375, protocol: 'http' }],
    ['http://127.0.0.1:2375', { host: '127.0.0.1', port: 2375, protocol: 'http' }],
    ['https://docker.example.com', { host: 'docker.example.com', port: 2376, protocol: 'https' }],
    ['tcp://[::1]:2375', { host: '::1', port: 2375, protocol: 'http' }],
  ])('%s', (input, expected) => {
    expect(parseDockerHost(input)).toEqual(expected);
  });

  it.each(['unix://relative.sock', 'ssh://me@host', 'docker', 'tcp://'])('refuses %s', (input) => {
    expect(() => parseDockerHost(input)).toThrow(input);
  });
});

describe('maskRedisUrl', () => {
  it.each([
    ['redis://draas:secret@127.0.0.1:6379', 'redis://draas:***@127.0.0.1:6379'],
    ['redis://:secret@host:6379/0', 'redis://:***@host:6379/0'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://draas:se%2Fcr%40et@host:6379', 'redis://draas:***@host:6379'],
    ['not a url secret', '(unparseable url)'],
  ])('%s', (url, masked) => {
    expect(maskRedisUrl(url)).toBe(masked);
    expect(maskRedisUrl(url)).not.toContain('secret');
  });
});

describe('RedisSentinelsSetting', () => {
  it('reads host:port lists, IPv6 in brackets, and nothing as no Sentinel', () => {
    expect(RedisSentinelsSetting.parse('10.0.0.5:26379, sentinel-2:26380')).toEqual([
      { host: '10.0.0.5', port: 26379 },
      { host: 'sentinel-2', port: 26380 },
    ]);
    expect(RedisSentinelsSetting.parse('[::1]:26379')).toEqual([{ host: '::1', port: 26379 }]);
    expect(RedisSentinelsSetting.parse(undefined)).toBeNull();
    expect(RedisSentinelsSetting.parse('')).toBeNull();
  });

  it.each(['10.0.0.5', '10.0.0.5:0', 'host:99999', 'a:1,b'])('says what to fix in "%s"', (value) => {
    const result = RedisSentinelsSetting.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/is not host:port \(example: /);
  });
});

describe('sentinelOptions', () => {
  it('takes the user, password and database from REDIS_URL, and uses the password with the Sentinels too', () => {
    const options = sentinelOptions({ url: 'redis://draas:s%40cret@ignored:6379/2', sentinels: [{ host: 'h', port: 1 }], sentinelName: 'main' });
    expect(options).toMatchObject({ sentinels: [{ host: 'h', port: 1 }], name: 'main', username: 'draas', password: 's@cret', sentinelPassword: 's@cret', db: 2 });
  });
});
