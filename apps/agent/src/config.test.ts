import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv, type HostFacts } from './config.js';

const host: HostFacts = { cwd: '/srv/draas', totalMemoryBytes: 8 * 1024 ** 3, cpuCount: 2, firstExternalIpv4: '10.0.0.7' };

describe('parseEnv', () => {
  it('fills every default from the host facts', () => {
    const config = parseEnv({}, host);
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'draas',
      agentId: null,
      dataDir: path.resolve('/srv/draas', '.draas/agent'),
      advertiseIp: '10.0.0.7',
      publishIp: '0.0.0.0',
      labels: {},
      maxInstances: 100,
      memoryBytes: 8 * 1024 ** 3 - 512 * 1024 ** 2,
      milliCpus: 8000,
      concurrency: 16,
      heartbeatMs: 2000,
      dataDirExplicit: false,
      healthPort: 5001,
      healthPortExplicit: false,
      healthHost: '127.0.0.1',
      stopGraceSeconds: 10,
      logHistoryLines: 10_000,
      docker: {},
      logLevel: 'info',
      imageGcSeconds: 3600,
    });
  });

  // Unset, the health port and the data folder are preferences that another agent on the machine may
  // already hold (the agent then takes others); set, they are exactly what the operator asked for.
  it.each([
    [{}, { healthPort: 5001, healthPortExplicit: false }],
    [{ AGENT_HEALTH_PORT: '' }, { healthPort: 5001, healthPortExplicit: false }],
    [{ AGENT_HEALTH_PORT: '5001' }, { healthPort: 5001, healthPortExplicit: true }],
    [{ AGENT_HEALTH_PORT: '7001' }, { healthPort: 7001, healthPortExplicit: true }],
    [{ AGENT_HEALTH_PORT: '0' }, { healthPort: 0, healthPortExplicit: true }],
    [{ AGENT_DATA_DIR: '.draas/agent' }, { dataDir: '/srv/draas/.draas/agent', dataDirExplicit: true }],
    [{ AGENT_DATA_DIR: ' ' }, { dataDir: '/srv/draas/.draas/agent', dataDirExplicit: false }],
  ] as const)('tells a chosen health port and data folder from the defaults: %o', (env, expected) => {
    expect(parseEnv(env, host)).toMatchObject(expected);
  });

  it('falls back to loopback when the machine has no external IPv4 address', () => {
    expect(parseEnv({}, { ...host, firstExternalIpv4: null }).advertiseIp).toBe('127.0.0.1');
  });

  it.each([
    [{ AGENT_MEMORY: '2g' }, 'memoryBytes', 2 * 1024 ** 3],
    [{ AGENT_CPUS: '0.5' }, 'milliCpus', 500],
    [{ AGENT_LABELS: 'zone=eu, gpu=true' }, 'labels', { zone: 'eu', gpu: 'true' }],
    [{ AGENT_ID: 'node-1' }, 'agentId', 'node-1'],
    [{ AGENT_HEALTH_PORT: '0' }, 'healthPort', 0],
    [{ DOCKER_HOST: 'unix:///run/docker.sock' }, 'docker', { socketPath: '/run/docker.sock' }],
    [{ DOCKER_HOST: 'tcp://10.0.0.2:2375' }, 'docker', { host: '10.0.0.2', port: 2375, protocol: 'http' }],
    [{ AGENT_DATA_DIR: '/var/lib/draas' }, 'dataDir', '/var/lib/draas'],
    [{ AGENT_PUBLISH_IP: '127.0.0.1' }, 'publishIp', '127.0.0.1'],
    [{ SCHEDULER_URL: 'http://10.0.0.1:5000/' }, 'schedulerUrl', 'http://10.0.0.1:5000'],
    [{ AGENT_IMAGE_GC_SECONDS: '0' }, 'imageGcSeconds', 0],
    [{ REGISTRY_URL: '10.0.0.1:5000/team' }, 'registry', { server: '10.0.0.1:5000', prefix: '10.0.0.1:5000/team', auth: null }],
    [
      { REGISTRY_URL: 'https://registry.example.com', REGISTRY_USERNAME: 'ci', REGISTRY_PASSWORD: 'pw' },
      'registry',
      { server: 'registry.example.com', prefix: 'registry.example.com', auth: { username: 'ci', password: 'pw' } },
    ],
    // Compose files write `VAR=`: empty is unset, not an error.
    [{ AGENT_CONCURRENCY: '' }, 'concurrency', 16],
  ] as const)('reads %o', (env, field, expected) => {
    expect(parseEnv(env, host)[field]).toEqual(expected);
  });

  it.each([
    ['REDIS_URL', 'http://localhost:6379'],
    ['AGENT_ID', 'Bad_Id'],
    ['AGENT_MEMORY', 'lots'],
    ['AGENT_MEMORY', '1m'],
    ['AGENT_CPUS', '-1'],
    ['AGENT_CONCURRENCY', '0'],
    ['AGENT_CONCURRENCY', '2.5'],
    ['HEARTBEAT_MS', 'soon'],
    ['AGENT_HEALTH_PORT', '70000'],
    ['AGENT_LABELS', 'zone'],
    ['AGENT_PUBLISH_IP', 'example.com'],
    ['DOCKER_HOST', 'ftp://x'],
    ['LOG_LEVEL', 'loud'],
    ['REGISTRY_URL', 'registry.example.com/Team'],
    ['SCHEDULER_URL', 'ftp://10.0.0.1'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => parseEnv({ [name]: value }, host)).toThrow(new RegExp(`${name}:`));
  });

  it('wants a registry user and password together, without echoing the password', () => {
    expect(() => parseEnv({ REGISTRY_URL: 'r.example.com', REGISTRY_PASSWORD: 'hunter22' }, host)).toThrow(/REGISTRY_PASSWORD: REGISTRY_USERNAME and REGISTRY_PASSWORD go together/);
    expect(() => parseEnv({ REGISTRY_URL: 'r.example.com', REGISTRY_PASSWORD: 'hunter22' }, host)).toThrow(/^(?!.*hunter22)/s);
  });

  it('never puts the Redis password in its error messages', () => {
    expect(() => parseEnv({ REDIS_URL: 'redis://u:s3cret@h:1', AGENT_CPUS: 'x' }, host)).toThrow(/^(?!.*s3cret)/s);
  });
});
