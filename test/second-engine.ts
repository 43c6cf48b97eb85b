// A second machine for the tests that need one (issue 7, image distribution): a second Docker engine
// on this host with its own data-root, exec-root, socket and bridge, publishing its containers on
// another loopback address. It shares nothing with the first engine but the kernel, so an image the
// first one has is not on it. Needs root (a bridge, and dockerd) like the first engine.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
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

export async function startSecondEngine(publishIp = '127.0.0.2'): Promise<SecondEngine> {
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
  const out = openSync(logFile, 'a');
  // No iptables rules: the first engine owns the host's chains. Published ports then go through
  // docker-proxy, which is all a loopback address needs.
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--data-root', path.join(root, 'data'),
      '--exec-root', path.join(root, 'exec'),
      '--pidfile', path.join(root, 'docker.pid'),
      '--host', `unix://${socket}`,
      '--bridge', bridge,
      '--iptables=false',
      '--ip-masq=false',
      '--ip', publishIp,
    ],
    { stdio: ['ignore', out, out] },
  );
  const docker = new Docker({ socketPath: socket });
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await run('ip', ['link', 'del', bridge]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitFor('the second Docker engine to answer', async () => {
      if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      return (await docker.ping().then(() => true, () => false)) || null;
    }, 30_000, 200);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { dockerHost: `unix://${socket}`, docker, publishIp, stop: cleanup };
}
