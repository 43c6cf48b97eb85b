import { describe, expect, it } from 'vitest';
import { parseDockerHost } from './docker-host.js';

describe('parseDockerHost', () => {
  it.each([
    [undefined, {}],
    ['', {}],
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
    expect(() => parseDockerHost(input)).toThrow(/DOCKER_HOST/);
  });
});
