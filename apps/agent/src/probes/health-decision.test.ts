import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH, formatDuration, type PortBinding } from '@draas/queue-contracts';
import {
  decide,
  freshState,
  hasDockerHealthcheck,
  initialHealth,
  instanceAddress,
  planProbes,
  readDockerHealth,
  resumedState,
  type CheckResult,
  type DockerHealth,
  type ProbeState,
  type Round,
} from './health-decision.js';

const spec = { retries: 3, startPeriodMs: 10_000 };
const pass: CheckResult = { ok: true };
const fail = (error = 'health check /x answered 500'): CheckResult => ({ ok: false, error });
const late = 60_000; // past the start period
const early = 1_000; // within it

/** Runs rounds from a fresh state; returns every decision. */
function run(rounds: ReadonlyArray<Partial<Round>>, start: ProbeState = freshState()) {
  let state = start;
  return rounds.map((r) => {
    const d = decide(spec, state, { check: null, docker: null, sinceStartMs: late, ...r });
    state = d.state;
    return d;
  });
}
const healths = (rounds: ReadonlyArray<Partial<Round>>, start?: ProbeState) => run(rounds, start).map((d) => d.state.health);

describe('decide: the agent check', () => {
  it.each([
    ['a first pass makes it healthy', [{ check: pass }], ['healthy']],
    ['failures within the start period do not count', [{ check: fail(), sinceStartMs: early }, { check: fail(), sinceStartMs: early }, { check: fail(), sinceStartMs: early }, { check: fail(), sinceStartMs: early }], ['starting', 'starting', 'starting', 'starting']],
    ['after the start period, retries failures before any pass make it unhealthy', [{ check: fail() }, { check: fail() }, { check: fail() }], ['starting', 'starting', 'unhealthy']],
    ['the start period ends: only later failures count', [{ check: fail(), sinceStartMs: early }, { check: fail(), sinceStartMs: early }, { check: fail() }, { check: fail() }, { check: fail() }], ['starting', 'starting', 'starting', 'starting', 'unhealthy']],
    ['once healthy, failures count at once, even within the start period', [{ check: pass, sinceStartMs: early }, { check: fail(), sinceStartMs: early }, { check: fail(), sinceStartMs: early }, { check: fail(), sinceStartMs: early }], ['healthy', 'healthy', 'healthy', 'unhealthy']],
    ['a pass resets the count', [{ check: pass }, { check: fail() }, { check: fail() }, { check: pass }, { check: fail() }, { check: fail() }], ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy']],
    ['unhealthy is final', [{ check: fail() }, { check: fail() }, { check: fail() }, { check: pass }], ['starting', 'starting', 'unhealthy', 'unhealthy']],
  ] as const)('%s', (_name, rounds, expected) => {
    expect(healths(rounds)).toEqual(expected);
  });

  it('reports only changes, and kills once, with the failing check as the error', () => {
    const decisions = run([{ check: fail('a') }, { check: pass }, { check: pass }, { check: fail('b') }, { check: fail('c') }, { check: fail('d') }, { check: fail('e') }]);
    // The first: a starting instance's reason changed (none → 'a').
    expect(decisions.map((d) => d.report)).toEqual([true, true, false, false, false, true, false]);
    expect(decisions.map((d) => d.kill)).toEqual([false, false, false, false, false, true, false]);
    expect(decisions.map((d) => d.state.error)).toEqual(['a', null, null, null, null, 'd', 'd']);
  });

  it('while starting, reports why once per change of reason, not every round', () => {
    const decisions = run([{ check: fail('refused'), sinceStartMs: early }, { check: fail('refused'), sinceStartMs: early }, { check: fail('answered 404'), sinceStartMs: early }]);
    expect(decisions.map((d) => d.report)).toEqual([true, false, true]);
    expect(decisions.map((d) => d.state.health)).toEqual(['starting', 'starting', 'starting']);
  });

  it('keeps the last failure as the error while starting', () => {
    expect(run([{ check: fail('connection refused'), sinceStartMs: early }])[0]?.state).toMatchObject({ health: 'starting', error: 'connection refused' });
  });
});

describe('decide: Docker HEALTHCHECK', () => {
  const docker = (status: DockerHealth['status'], error: string | null = null): DockerHealth => ({ status, error });

  it.each([
    ['taken as Docker says: starting', [{ docker: docker('starting') }], ['starting']],
    ['taken as Docker says: healthy', [{ docker: docker('starting') }, { docker: docker('healthy') }], ['starting', 'healthy']],
    ['unhealthy at once, whatever the start period', [{ docker: docker('unhealthy', 'HEALTHCHECK failing: no'), sinceStartMs: 0 }], ['unhealthy']],
    ['with an HTTP check: healthy only when both pass', [{ check: pass, docker: docker('starting') }, { check: pass, docker: docker('healthy') }], ['starting', 'healthy']],
    ['with an HTTP check: Docker healthy, the check not yet', [{ check: fail(), docker: docker('healthy'), sinceStartMs: early }], ['starting']],
    ['with an HTTP check: either unhealthy is unhealthy', [{ check: pass, docker: docker('healthy') }, { check: pass, docker: docker('unhealthy', 'HEALTHCHECK failing: x') }], ['healthy', 'unhealthy']],
  ] as const)('%s', (_name, rounds, expected) => {
    expect(healths(rounds)).toEqual(expected);
  });

  it("says what Docker's check printed", () => {
    const [d] = run([{ docker: docker('unhealthy', 'HEALTHCHECK failing: boom') }]);
    expect(d).toMatchObject({ report: true, kill: true, state: { error: 'HEALTHCHECK failing: boom' } });
  });
});

describe('resumedState', () => {
  it('an instance recorded healthy stays healthy without a report', () => {
    expect(run([{ check: pass }], resumedState('healthy'))[0]).toMatchObject({ report: false, state: { health: 'healthy' } });
  });
  it('one recorded unhealthy (its agent died before stopping it) is judged again', () => {
    expect(healths([{ check: fail() }, { check: fail() }, { check: fail() }], resumedState('unhealthy'))).toEqual(['starting', 'starting', 'unhealthy']);
  });
});

describe('readDockerHealth', () => {
  it.each([
    ['no health yet', undefined, { status: 'starting', error: null }],
    ['none', { Status: 'none' }, { status: 'starting', error: null }],
    ['healthy', { Status: 'healthy', Log: [{ ExitCode: 0, Output: 'ok' }] }, { status: 'healthy', error: null }],
    ['unhealthy', { Status: 'unhealthy', Log: [{ ExitCode: 0, Output: 'ok' }, { ExitCode: 1, Output: '  wget: server returned error: 500\n' }] }, { status: 'unhealthy', error: 'HEALTHCHECK failing: wget: server returned error: 500' }],
    ['failing without output', { Status: 'starting', Log: [{ ExitCode: 2, Output: '' }] }, { status: 'starting', error: 'HEALTHCHECK failing: exit code 2' }],
  ])('%s', (_name, health, expected) => {
    expect(readDockerHealth(health)).toEqual(expected);
  });

  it('keeps at most 200 characters of the output', () => {
    const { error } = readDockerHealth({ Status: 'unhealthy', Log: [{ ExitCode: 1, Output: 'x'.repeat(5000) }] });
    expect(error?.length).toBe('HEALTHCHECK failing: '.length + 200);
  });
});

describe('planProbes', () => {
  const tcp = (containerPort: number, hostPort: number, protocol: 'tcp' | 'udp' = 'tcp'): PortBinding => ({ containerPort, protocol, hostIp: '0.0.0.0', hostPort });
  const withCheck = { Config: { Healthcheck: { Test: ['CMD-SHELL', 'true'] } } };

  it.each([
    ['nothing to check: healthy at once', DEFAULT_HEALTH, {}, [], { http: null, tcp: null, docker: false }, 'healthy'],
    ['only UDP: healthy at once', DEFAULT_HEALTH, {}, [tcp(53, 3053, 'udp')], { http: null, tcp: null, docker: false }, 'healthy'],
    ['a TCP port: connect to it', DEFAULT_HEALTH, {}, [tcp(53, 3053, 'udp'), tcp(8080, 32001)], { http: null, tcp: { host: '10.0.0.5', port: 32001 }, docker: false }, 'starting'],
    ['a path: GET it on the first TCP port', { ...DEFAULT_HEALTH, path: '/healthz' }, {}, [tcp(80, 32000), tcp(81, 32005)], { http: { host: '10.0.0.5', port: 32000, path: '/healthz' }, tcp: null, docker: false }, 'starting'],
    ['a HEALTHCHECK replaces the TCP check', DEFAULT_HEALTH, withCheck, [tcp(80, 32000)], { http: null, tcp: null, docker: true }, 'starting'],
    ['HEALTHCHECK NONE is none', DEFAULT_HEALTH, { Config: { Healthcheck: { Test: ['NONE'] } } }, [], { http: null, tcp: null, docker: false }, 'healthy'],
    ['a path and a HEALTHCHECK: both', { ...DEFAULT_HEALTH, path: '/' }, { State: { Health: { Status: 'starting' } } }, [tcp(80, 32000)], { http: { host: '10.0.0.5', port: 32000, path: '/' }, tcp: null, docker: true }, 'starting'],
  ] as const)('%s', (_name, health, info, ports, expected, first) => {
    const plan = planProbes(health, info, ports, '10.0.0.5');
    expect(plan).toEqual(expected);
    expect(initialHealth(plan)).toBe(first);
  });

  it('reads an IPv6 address without brackets', () => {
    expect(instanceAddress([tcp(80, 32000)], '::1')).toEqual({ host: '::1', port: 32000 });
  });

  it.each([
    [{}, false],
    [{ Config: { Healthcheck: { Test: [] } } }, false],
    [{ Config: { Healthcheck: { Test: ['CMD', 'true'] } } }, true],
  ])('hasDockerHealthcheck %j → %s', (info, expected) => {
    expect(hasDockerHealthcheck(info)).toBe(expected);
  });
});

describe('a timeout in a health error (the contracts\' formatDuration)', () => {
  it.each([
    [2000, '2s'],
    [1500, '1.5s'],
    [500, '500ms'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
