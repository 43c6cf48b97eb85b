// A real registry on loopback for the image distribution tests: Debian's docker-registry (the CNCF
// distribution registry) with htpasswd credentials. Docker speaks plain HTTP to registries on
// 127.0.0.0/8, so no certificate is needed.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../scripts/local-redis.js';
import { waitFor } from './harness.js';

const run = promisify(execFile);

export interface TestRegistry {
  /** host:port, as REGISTRY_URL takes it. */
  address: string;
  username: string;
  password: string;
  /** GET on the registry's API with the credentials. */
  get(pathname: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function startRegistry(username: string, password: string): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-registry-'));
  const { stdout } = await run('htpasswd', ['-Bbn', username, password]);
  writeFileSync(path.join(dir, 'htpasswd'), stdout);
  const address = `127.0.0.1:${await freePort()}`;
  writeFileSync(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      'http:',
      `  addr: ${address}`,
      'auth:',
      '  htpasswd:',
      '    realm: draas-test',
      `    path: ${path.join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'registry.log');
  const out = openSync(logFile, 'a');
  const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', out, out] });
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('the registry to answer', async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      const res = await fetch(`http://${address}/v2/`, { headers: { authorization } }).catch(() => null);
      return res?.status === 200 || null;
    }, 15_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, username, password, get: (pathname) => fetch(`http://${address}${pathname}`, { headers: { authorization } }), stop };
}
