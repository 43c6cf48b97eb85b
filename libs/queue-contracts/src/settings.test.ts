import { describe, expect, it } from 'vitest';
import { maskRedisUrl, parseDockerHost } from './settings.js';

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
