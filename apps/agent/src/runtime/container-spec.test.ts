import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH, type DeployJob } from '@draas/queue-contracts';
import { buildContainerSpec, exposedPortKeys } from './container-spec.js';

const job: DeployJob = {
  type: 'deploy',
  version: 1,
  deploymentId: 'abc123def456',
  index: 2,
  attempt: 3,
  agentId: 'node-1',
  image: 'draas/web:abc123def456',
  imageId: null,
  imageToken: null,
  spec: {
    name: 'web',
    env: { GREETING: 'hello world', EMPTY: '' },
    ports: [{ containerPort: 8080, protocol: 'tcp' }],
    memoryBytes: 256 * 1024 ** 2,
    milliCpus: 500,
    health: DEFAULT_HEALTH,
    restart: { policy: 'on-failure', maxRetries: 3 },
  },
};
const settings = { agentId: 'node-1', publishIp: '127.0.0.1' };
const withSpec = (spec: Partial<DeployJob['spec']>): DeployJob => ({ ...job, spec: { ...job.spec, ...spec } });

describe('buildContainerSpec', () => {
  const spec = buildContainerSpec(job, settings, ['80/tcp']);
  const hostConfig = spec.HostConfig ?? {};

  it('names the container after the instance and runs the job image', () => {
    expect(spec.name).toBe('draas-abc123def456-2');
    expect(spec.Image).toBe('draas/web:abc123def456');
  });

  it('passes env as K=V, values untouched', () => {
    expect(spec.Env).toEqual(['GREETING=hello world', 'EMPTY=']);
  });

  it('labels the container with its owner', () => {
    expect(spec.Labels).toEqual({
      'draas.managed': 'true',
      'draas.deployment': 'abc123def456',
      'draas.instance': '2',
      'draas.attempt': '3',
      'draas.agent': 'node-1',
    });
  });

  it.each([
    ['Memory', 256 * 1024 ** 2],
    ['MemorySwap', 256 * 1024 ** 2],
    ['NanoCpus', 500_000_000],
    ['PidsLimit', 512],
    ['Privileged', false],
    ['SecurityOpt', ['no-new-privileges']],
    ['Binds', []],
    ['NetworkMode', 'bridge'],
    ['IpcMode', 'private'],
    ['PublishAllPorts', true],
    ['RestartPolicy', { Name: 'no', MaximumRetryCount: 0 }],
    ['LogConfig', { Type: 'local', Config: { 'max-size': '20m', 'max-file': '5' } }],
  ] as const)('HostConfig.%s = %j', (field, expected) => {
    expect(hostConfig[field]).toEqual(expected);
  });

  it('never shares host namespaces or mounts host paths', () => {
    expect(hostConfig.PidMode).toBeUndefined();
    expect(hostConfig.UsernsMode).toBeUndefined();
    expect(hostConfig.Mounts).toBeUndefined();
    expect(hostConfig.VolumesFrom).toBeUndefined();
    expect(hostConfig.CapAdd).toBeUndefined();
    expect(hostConfig.Devices).toBeUndefined();
  });

  it('publishes the union of image and requested ports on the publish address, host port chosen by Docker', () => {
    expect(spec.ExposedPorts).toEqual({ '80/tcp': {}, '8080/tcp': {} });
    expect(hostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    });
  });
});

describe('exposedPortKeys', () => {
  it.each([
    ['nothing exposed, nothing requested', [], [], []],
    ['image only', ['3000/tcp'], [], ['3000/tcp']],
    ['request only', [], [{ containerPort: 53, protocol: 'udp' }], ['53/udp']],
    ['overlap counted once', ['8080/tcp'], [{ containerPort: 8080, protocol: 'tcp' }], ['8080/tcp']],
    ['same port, both protocols', ['53/udp'], [{ containerPort: 53, protocol: 'tcp' }], ['53/tcp', '53/udp']],
    ['sorted numerically', ['9000/tcp', '80/tcp'], [{ containerPort: 443, protocol: 'tcp' }], ['80/tcp', '443/tcp', '9000/tcp']],
    ['bare image port means tcp; sctp and junk skipped', ['8000', '9/sctp', 'junk'], [], ['8000/tcp']],
  ] as const)('%s', (_name, image, ports, expected) => {
    expect(exposedPortKeys(withSpec({ ports: [...ports] }), image)).toEqual(expected);
  });
});
