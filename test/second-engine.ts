// A second machine for the tests that need one (image distribution): a second Docker engine
// on this host with its own data-root, exec-root, socket and bridge, publishing its containers on
// another loopback address. It shares nothing with the first engine but the kernel, so an image the
// first one has is not on it. Needs root (a bridge, and dockerd) like the first engine.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { REPO_ROOT } from '../scripts/local-redis.js';
import { processAlive } from '../scripts/local-run.js';
import { waitFor } from './harness.js';

const run = promisify(execFile);

export interface SecondEngine {
  /** DOCKER_HOST for an agent on this engine. */
  dockerHost: string;
  docker: Docker;
  /** The loopback address its containers are published on. */
  publishIp: string;
  stop(): Promise<void>;
}

export interface SecondEngineOptions {
  /**
   * Start it the way install-deps starts the first one, through scripts/start-docker.sh, from a
   * process group of its own that stands for the terminal (`terminalGroup` then names it).
   */
  viaStartScript?: boolean;
}

export async function startSecondEngine(publishIp = '127.0.0.2', options: SecondEngineOptions = {}): Promise<SecondEngine & { terminalGroup: number | null }> {
  const id = randomBytes(3).toString('hex');
  // Short: a unix socket path must fit in 108 bytes.
  const root = `/tmp/draas-e2-${id}`;
  const bridge = `de2-${id}`;
  const subnet = `10.231.${randomInt(1, 255)}`;
  mkdirSync(root, { recursive: true, mode: 0o700 });
  await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
  await run('ip', ['link', 'set', bridge, 'up']);
  const socket = path.join(root, 'docker.sock');
  const logFile = path.join(root, 'dockerd.log');
  // No iptables rules: the first engine owns the host's chains. Published ports then go through
  // docker-proxy, which is all a loopback address needs.
  const flags = [
    '--data-root', path.join(root, 'data'),
    '--exec-root', path.join(root, 'exec'),
    '--pidfile', path.join(root, 'docker.pid'),
    '--host', `unix://${socket}`,
    '--bridge', bridge,
    '--iptables=false',
    '--ip-masq=false',
    '--ip', publishIp,
  ];
  const launched = options.viaStartScript ? await launchWithScript(flags, socket, logFile) : launchDirectly(flags, logFile);
  const docker = new Docker({ socketPath: socket });
  const cleanup = async () => {
    await launched.stop(path.join(root, 'docker.pid'));
    await run('ip', ['link', 'del', bridge]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitFor('the second Docker engine to answer', async () => {
      if (launched.exited()) throw new Error(`dockerd exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      return (await docker.ping().then(() => true, () => false)) || null;
    }, 30_000, 200);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { dockerHost: `unix://${socket}`, docker, publishIp, stop: cleanup, terminalGroup: launched.terminalGroup };
}

interface Launched {
  exited(): boolean;
  stop(pidFile: string): Promise<void>;
  terminalGroup: number | null;
}

/** dockerd as the test's child: it ends with the test run. */
function launchDirectly(flags: string[], logFile: string): Launched {
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn('dockerd', flags, { stdio: ['ignore', out, out] });
  return {
    exited: () => child.exitCode !== null,
    terminalGroup: null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * scripts/start-docker.sh run from a process group of its own, as a terminal runs a command; the
 * group lives on (a `sleep` in it) so that a test can send it a Ctrl-C afterwards.
 */
async function launchWithScript(flags: string[], socket: string, logFile: string): Promise<Launched> {
  const script = path.join(REPO_ROOT, 'scripts/start-docker.sh');
  const terminal = spawn('bash', ['-c', `"$0" "$@" && exec sleep 600`, script, ...flags], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKERD_LOG: logFile },
  });
  const group = terminal.pid as number;
  const pidOf = (pidFile: string): number | null => {
    try {
      return Number(readFileSync(pidFile, 'utf8').trim()) || null;
    } catch {
      return null;
    }
  };
  return {
    exited: () => terminal.exitCode !== null,
    terminalGroup: group,
    async stop(pidFile: string) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      const pid = pidOf(pidFile);
      if (pid === null || !processAlive(pid)) return;
      process.kill(pid, 'SIGTERM');
      await waitFor('the second dockerd to stop', async () => !processAlive(pid), 20_000, 100).catch(() => process.kill(pid, 'SIGKILL'));
    },
  };
}

