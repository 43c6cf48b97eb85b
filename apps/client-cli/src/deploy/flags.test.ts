import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors/usage-error.js';
import { buildDeployRequest, parseEnvFlags, parseTimeout, toMultipartFields, type DeployFlags } from './flags.js';

const flags = (over: Partial<DeployFlags> = {}): DeployFlags => ({ env: [], port: [], constraint: [], ...over });

describe('parseEnvFlags', () => {
  it('reads K=V, keeps everything after the first =, and lets a later flag win', () => {
    expect(parseEnvFlags(['A=1', 'URL=postgres://u:p@h/db?x=y', 'EMPTY=', 'A=2'], {})).toEqual({
      A: '2',
      URL: 'postgres://u:p@h/db?x=y',
      EMPTY: '',
    });
  });

  it('takes a bare K from the CLI environment', () => {
    expect(parseEnvFlags(['TOKEN'], { TOKEN: 's3cret' })).toEqual({ TOKEN: 's3cret' });
  });

  it('refuses a bare K that the shell does not have, and never echoes values', () => {
    expect(() => parseEnvFlags(['MISSING'], {})).toThrow(/--env MISSING: MISSING is not set in this shell/);
    expect(() => parseEnvFlags(['=hidden-value'], {})).toThrow(UsageError);
    expect(() => parseEnvFlags(['=hidden-value'], {})).not.toThrow(/hidden-value/);
  });
});

describe('buildDeployRequest', () => {
  it('collects repeated and comma-separated flags into the API request', () => {
    const request = buildDeployRequest(
      flags({
        name: 'web',
        env: ['GREETING=hi', 'HOME'],
        port: ['8080', '53/udp,9000/tcp'],
        constraint: ['zone=eu', 'disk=ssd'],
        memory: '512m',
        cpus: '0.5',
        replicas: '3',
        restart: 'on-failure:5',
        strategy: 'binpack',
      }),
      { HOME: '/home/me' },
    );
    expect(request).toEqual({
      name: 'web',
      app: 'web',
      env: { GREETING: 'hi', HOME: '/home/me' },
      ports: [8080, '53/udp', '9000/tcp'],
      constraints: ['zone=eu', 'disk=ssd'],
      memory: '512m',
      cpus: '0.5',
      replicas: 3,
      restart: 'on-failure:5',
      strategy: 'binpack',
    });
  });

  it('leaves out what was not given, so the scheduler applies its defaults', () => {
    expect(buildDeployRequest(flags(), {})).toEqual({});
    expect(buildDeployRequest(flags({ image: 'nginx:1.27' }), {})).toEqual({ image: 'nginx:1.27' });
  });

  // The wording is the contracts library's; these only check that the flag and the bad value are named.
  it.each([
    [{ memory: 'lots' }, /^--memory: .*"lots"/],
    [{ memory: '1m' }, /^--memory: .*6m/],
    [{ cpus: 'half' }, /^--cpus: .*"half"/],
    [{ port: ['99999'] }, /^--port: .*"99999".*65535/],
    [{ constraint: ['zone'] }, /^--constraint: .*"zone".*key=value/],
    [{ replicas: 'two' }, /--replicas "two" must be a whole number/],
    [{ replicas: '5000' }, /--replicas: /],
    [{ restart: 'sometimes' }, /^--restart: .*"sometimes"/],
    [{ strategy: 'random' }, /--strategy: /],
    [{ name: 'My_App' }, /^--name: /],
    [{ env: ['1BAD=x'] }, /^--env\b.*1BAD/],
    [{ image: 'not an image' }, /^--image: /],
  ])('says which flag is wrong and how: %j', (over, message) => {
    const attempt = () => buildDeployRequest(flags(over as Partial<DeployFlags>), {});
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });

  it('reports every wrong flag at once', () => {
    expect(() => buildDeployRequest(flags({ memory: 'x', cpus: 'y' }), {})).toThrow(/--memory: .*; --cpus: /);
  });
});

describe('buildDeployRequest for apps', () => {
  it('--name makes the deployment a version of that app, and passes health and rollout flags as typed', () => {
    const request = buildDeployRequest(
      flags({
        name: 'web',
        healthPath: '/healthz',
        healthInterval: '2s',
        healthTimeout: '500ms',
        healthRetries: '5',
        healthStartPeriod: '30',
        maxSurge: '2',
        maxUnavailable: '1',
        healthDeadline: '90s',
      }),
      {},
    );
    expect(request).toEqual({
      name: 'web',
      app: 'web',
      healthPath: '/healthz',
      healthInterval: '2s',
      healthTimeout: '500ms',
      healthRetries: 5,
      healthStartPeriod: '30',
      maxSurge: 2,
      maxUnavailable: 1,
      healthDeadline: '90s',
    });
    expect(toMultipartFields(request)).toMatchObject({ app: 'web', healthInterval: '2s', healthRetries: '5', maxSurge: '2' });
  });

  it('without --name stays a one-off deployment, which may still have a health check', () => {
    expect(buildDeployRequest(flags({ healthPath: '/up' }), {})).toEqual({ healthPath: '/up' });
  });

  it.each([
    [{ name: 'web', healthPath: 'healthz' }, /^--health-path: .*starts with \//],
    [{ name: 'web', healthInterval: 'often' }, /^--health-interval "often" must be a duration/],
    [{ name: 'web', healthTimeout: '10ms' }, /^--health-timeout "10ms" /],
    [{ name: 'web', healthRetries: 'three' }, /^--health-retries "three" must be a whole number/],
    [{ name: 'web', healthRetries: '0' }, /^--health-retries: /],
    [{ name: 'web', healthStartPeriod: '-1s' }, /^--health-start-period "-1s" /],
    [{ name: 'web', healthDeadline: '10ms' }, /^--health-deadline "10ms" must be a duration from 1000ms/],
    [{ name: 'web', maxSurge: '-1' }, /^--max-surge "-1" must be a whole number/],
    [{ name: 'web', maxSurge: '0', maxUnavailable: '0' }, /^--max-surge and --max-unavailable cannot both be 0/],
    [{ maxSurge: '2', healthDeadline: '1m' }, /^--max-surge, --health-deadline: rollout settings apply to apps; name the app with --name$/],
  ])('says which flag is wrong and how: %j', (over, message) => {
    const attempt = () => buildDeployRequest(flags(over as Partial<DeployFlags>), {});
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });
});

describe('toMultipartFields', () => {
  it('sends env, ports and constraints as JSON text and the rest as typed', () => {
    const request = buildDeployRequest(flags({ env: ['A=1'], port: ['8080'], constraint: ['zone=eu'], memory: '1g', replicas: '2' }), {});
    expect(toMultipartFields(request)).toEqual({
      env: '{"A":"1"}',
      ports: '[8080]',
      constraints: '["zone=eu"]',
      memory: '1g',
      replicas: '2',
    });
  });
});

describe('parseTimeout', () => {
  it('reads seconds and refuses nonsense', () => {
    expect(parseTimeout('600')).toBe(600_000);
    expect(parseTimeout('1.5')).toBe(1500);
    expect(() => parseTimeout('0')).toThrow(/--timeout "0" must be a number of seconds/);
    expect(() => parseTimeout('soon')).toThrow(UsageError);
    expect(() => parseTimeout('1e10')).toThrow(UsageError);
  });
});
