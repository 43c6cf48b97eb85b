// `npm start` as a user runs it (tsx scripts/start.ts), with a data folder (DATA_DIR), ports and an
// agent id of its own, so that it never meets the checkout's .draas/ or a developer's npm start. It
// starts a private Caddy beside its Redis, gives the scheduler the router settings, prints where apps
// answer, and stops Caddy with everything else on Ctrl-C. A ROUTER_PORT that is set and taken stops
// the start naming the setting; the default one taken (8000 often is), another port is used and said.
// Without a usable caddy, npm start warns loudly and runs without a router.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { caddyMissing } from '../scripts/local-caddy.js';
import { freePort, REPO_ROOT } from '../scripts/local-redis.js';
import { processAlive } from '../scripts/local-run.js';
import { launch, waitFor, type Proc } from './harness.js';

const infraMissing = inject('infraMissing');
const noCaddy = caddyMissing();
// Under CI a machine without Caddy fails this file instead of skipping it.
if (infraMissing === null && noCaddy !== null && process.env.CI === 'true') throw new Error(`CI=true and the npm start tests cannot run: ${noCaddy}`);

const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');

/** Processes whose command line and environment match (Linux /proc). */
function processes(match: (argv: string[], env: string[]) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter(Boolean);
      if (match(argv, env)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Holds 127.0.0.1:port, as another program would; null when another program holds it already. */
async function hold(port: number): Promise<Server | null> {
  const server = createServer();
  const held = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  return held ? server : null;
}

/** Resolves with the exit code, or 'running' when the process is still there after `ms`. */
const exitWithin = (proc: Proc, ms: number) => Promise.race([proc.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);

describe.skipIf(infraMissing !== null || noCaddy !== null)('npm start: the router', () => {
  const started: Proc[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    for (const proc of started.splice(0)) await proc.stop('SIGINT');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function npmStart(env: Record<string, string> = {}) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-npm-start-'));
    dirs.push(dataDir);
    const ports = { PORT: await freePort(), DRAAS_REDIS_PORT: await freePort(), DRAAS_ROUTER_ADMIN_PORT: await freePort(), ROUTER_PORT: await freePort() };
    const proc = launch('npm start', TSX, ['--conditions=draas-source', path.join(REPO_ROOT, 'scripts/start.ts')], REPO_ROOT, {
      DATA_DIR: dataDir,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      AGENT_ID: `npm-start-test-${randomBytes(3).toString('hex')}`,
      DRAAS_TOKEN: randomBytes(24).toString('hex'),
      ...env,
    });
    started.push(proc);
    return { proc, dataDir, ports };
  }

  async function up(proc: Proc) {
    await waitFor('npm start to be up', async () => {
      if (proc.child.exitCode !== null) throw new Error(`npm start exited: ${proc.output.join('\n')}`);
      return proc.output.includes('Ctrl-C stops everything.');
    }, 120_000, 200);
  }

  it('runs a private Caddy, gives its admin API to the scheduler, prints the apps\' address, and stops Caddy on Ctrl-C', async () => {
    const { proc, dataDir, ports } = await npmStart();
    await up(proc);
    const adminUrl = `http://127.0.0.1:${ports.DRAAS_ROUTER_ADMIN_PORT}`;
    expect(proc.output).toContain(`apps       http://<app>.localhost:${ports.ROUTER_PORT}/`);
    expect(proc.output).toContainEqual(expect.stringMatching(new RegExp(`^router     caddy, admin API ${adminUrl} \\(storage and log in ${dataDir}/caddy\\)$`)));

    // Caddy's admin API answers with the config npm start gave it: storage and log in DATA_DIR.
    const config = (await (await fetch(`${adminUrl}/config/`, { signal: AbortSignal.timeout(5000) })).json()) as { admin: { listen: string }; storage: { root: string } };
    expect(config).toMatchObject({ admin: { listen: `127.0.0.1:${ports.DRAAS_ROUTER_ADMIN_PORT}` }, storage: { root: path.join(dataDir, 'caddy') } });
    const caddyConfig = path.join(dataDir, 'caddy', 'caddy-start.json');
    const caddyPids = processes((argv) => argv[0]?.endsWith('caddy') === true && argv.includes(caddyConfig));
    expect(caddyPids).toHaveLength(1);

    // The scheduler npm start runs has the router settings.
    const [scheduler] = processes((argv, env) => argv.some((a) => a.endsWith('apps/scheduler/dist/index.js')) && env.includes(`DATA_DIR=${dataDir}`));
    expect(scheduler).toBeDefined();
    const schedulerEnv = readFileSync(`/proc/${scheduler}/environ`, 'utf8').split('\0');
    expect(schedulerEnv).toEqual(expect.arrayContaining([`ROUTER_ADMIN_URLS=${adminUrl}`, 'DRAAS_DOMAIN=localhost', `ROUTER_PORT=${ports.ROUTER_PORT}`]));

    // Ctrl-C: everything stops, Caddy included.
    proc.child.kill('SIGINT');
    expect(await exitWithin(proc, 60_000)).toBe(0);
    expect(proc.output).toContain('stopped.');
    expect(caddyPids.filter(processAlive)).toEqual([]);
    await expect(fetch(`${adminUrl}/config/`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  });

  it('warns loudly and runs without a router when caddy does not work, the scheduler then having none', async () => {
    const fakeBin = mkdtempSync(path.join(os.tmpdir(), 'draas-no-caddy-'));
    dirs.push(fakeBin);
    writeFileSync(path.join(fakeBin, 'caddy'), '#!/bin/sh\necho "caddy: broken on purpose" >&2\nexit 1\n');
    chmodSync(path.join(fakeBin, 'caddy'), 0o755);
    const { proc, dataDir } = await npmStart({ PATH: `${fakeBin}:${process.env.PATH ?? ''}` });
    await up(proc);
    const output = proc.output.join('\n');
    expect(output).toContain('!!! warning: no router. caddy version failed (caddy: broken on purpose); run ./scripts/install-deps.sh');
    expect(proc.output).toContain("apps       none (no usable caddy, see the warning above): apps answer only at their instances' URLs");
    expect(processes((argv) => argv.some((a) => a.startsWith(dataDir)) && argv[0]?.endsWith('caddy') === true)).toEqual([]);
    const [scheduler] = processes((argv, env) => argv.some((a) => a.endsWith('apps/scheduler/dist/index.js')) && env.includes(`DATA_DIR=${dataDir}`));
    expect(scheduler).toBeDefined();
    expect(readFileSync(`/proc/${scheduler}/environ`, 'utf8').split('\0').filter((e) => e.startsWith('ROUTER_ADMIN_URLS='))).toEqual([]);
  });

  it('stops at once, naming ROUTER_PORT, when something else holds that port, and leaves no Caddy behind', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const held = (holder.address() as { port: number }).port;
    try {
      const { proc, dataDir } = await npmStart({ ROUTER_PORT: String(held) });
      expect(await exitWithin(proc, 90_000), proc.output.join('\n')).toBe(1);
      expect(proc.output.join('\n')).toContain(`ROUTER_PORT ${held} is in use on 127.0.0.1: set ROUTER_PORT to a free port`);
      expect(processes((argv) => argv[0]?.endsWith('caddy') === true && argv.some((a) => a.startsWith(dataDir)))).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe.skipIf(infraMissing !== null || noCaddy !== null)('npm start: default router ports held by another program', () => {
  const held: Server[] = [];
  let proc: Proc | null = null;
  let dataDir: string | null = null;
  afterEach(async () => {
    await proc?.stop('SIGINT');
    for (const server of held.splice(0)) await new Promise((resolve) => server.close(resolve));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves apps on another port and says so, instead of stopping the README\'s first command', async () => {
    // 8000 and 2020 taken, by this test or by whatever holds them already.
    for (const port of [8000, 2020]) {
      const server = await hold(port);
      if (server) held.push(server);
    }
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-npm-start-'));
    proc = launch('npm start', TSX, ['--conditions=draas-source', path.join(REPO_ROOT, 'scripts/start.ts')], REPO_ROOT, {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      DRAAS_REDIS_PORT: String(await freePort()),
      AGENT_ID: `npm-start-test-${randomBytes(3).toString('hex')}`,
      DRAAS_TOKEN: randomBytes(24).toString('hex'),
    });
    const running = proc;
    await waitFor('npm start to be up', async () => {
      if (running.child.exitCode !== null) throw new Error(`npm start exited: ${running.output.join('\n')}`);
      return running.output.includes('Ctrl-C stops everything.');
    }, 120_000, 200);
    const routerNote = running.output.find((l) => l.startsWith('note: ROUTER_PORT 8000 is in use on 127.0.0.1, so '));
    const routerPort = Number(/so (\d+) this time/.exec(routerNote ?? '')?.[1]);
    expect(routerPort).toBeGreaterThan(8000);
    expect(running.output).toContain(`apps       http://<app>.localhost:${routerPort}/`);
    const adminNote = running.output.find((l) => l.startsWith('note: DRAAS_ROUTER_ADMIN_PORT 2020 is in use on 127.0.0.1, so '));
    const adminPort = Number(/so (\d+) this time/.exec(adminNote ?? '')?.[1]);
    expect(adminPort).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${adminPort}/config/`, { signal: AbortSignal.timeout(5000) })).ok).toBe(true);
  });
});
