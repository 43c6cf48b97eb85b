// The CLI as a user runs it: `npx draas deploy <folder>` against a real scheduler and agent prints a
// URL, and that URL answers with the page the folder serves.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeploymentView } from '@draas/queue-contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../scripts/local-redis.js';
import { startCluster, waitFor, type Cluster } from './harness.js';

const run = promisify(execFile);
const infraMissing = inject('infraMissing');
const draas = path.join(REPO_ROOT, 'node_modules/.bin/draas');

describe.skipIf(infraMissing !== null)('draas CLI against a real scheduler', () => {
  let cluster: Cluster;
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DRAAS_URL: cluster.url, DRAAS_TOKEN: cluster.token, NO_COLOR: '1' });

  beforeAll(async () => {
    cluster = await startCluster(inject('redisUrl'));
    await cluster.startAgent('cli-agent');
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('deploys a folder (a one-off deployment: no --name) and prints a URL that answers', async () => {
    const { stdout, stderr } = await run(draas, ['deploy', path.join(REPO_ROOT, 'examples/static-site')], { env: env(), timeout: 120_000 });
    const lines = stdout.trim().split('\n');
    const url = lines.at(-1) ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toMatch(/✔ running: static-site \([a-z0-9]{12}\)/);
    expect(stdout).toContain('[build] Step 1/');
    expect(stderr).not.toContain(cluster.token);
    const page = await waitFor(`${url} to answer`, async () => {
      const res = await fetch(url);
      return res.ok ? res.text() : null;
    }, 15_000);
    expect(page).toContain('Hello from DRaaS');
    // The .dockerignore of the example kept its notes out of the image.
    expect((await fetch(`${url}/notes/internal.txt`)).status).toBe(404);
  });

  it('prints exactly one JSON object with --json, and lists and cancels', async () => {
    const { stdout } = await run(draas, ['deploy', path.join(REPO_ROOT, 'examples/static-site'), '--json', '--env', 'TOKEN=abc123secret'], { env: env(), timeout: 120_000 });
    const deployment = DeploymentView.parse(JSON.parse(stdout));
    expect(deployment.status).toBe('running');
    expect(stdout).not.toContain('abc123secret');

    const ls = await run(draas, ['ls', '--json'], { env: env() });
    expect((JSON.parse(ls.stdout) as { id: string }[]).map((d) => d.id)).toContain(deployment.id);

    await run(draas, ['cancel', deployment.id], { env: env() });
    const cancelled = await cluster.waitForDeployment(deployment.id, (d) => d.status === 'cancelled', 'cancelled');
    expect(cancelled.instances[0]?.status).toBe('cancelled');
    await expect(fetch(deployment.urls[0] as string, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it('shows status, logs and agents, and says clearly when the token or the address is wrong', async () => {
    const { stdout } = await run(draas, ['deploy', path.join(REPO_ROOT, 'examples/static-site'), '--name', 'inspect-me', '--detach'], { env: env(), timeout: 120_000 });
    const id = /[a-z0-9]{12}/.exec(stdout)?.[0] as string;
    await cluster.waitForDeployment(id, (d) => d.status === 'running', 'running');

    const status = await run(draas, ['status', id], { env: env() });
    expect(status.stdout).toContain('inspect-me');
    expect(status.stdout).toMatch(/running/);
    const logs = await run(draas, ['logs', id], { env: env() });
    expect(logs.stdout).toContain(`built draas/inspect-me:${id}`);
    const agents = await run(draas, ['agents'], { env: env() });
    expect(agents.stdout).toContain('cli-agent');
    expect(agents.stdout).toContain('online');

    const failure = (args: string[], extra: Record<string, string>) =>
      run(draas, args, { env: { ...env(), ...extra } }).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
    const wrongToken = await failure(['ls'], { DRAAS_TOKEN: 'not-the-token-at-all' });
    expect(wrongToken?.code).not.toBe(0);
    expect(wrongToken?.stderr).toMatch(/refused the token \(401\)/);
    const nowhere = await failure(['ls'], { DRAAS_URL: 'http://127.0.0.1:9' });
    expect(nowhere?.stderr).toMatch(/cannot reach the scheduler at http:\/\/127\.0\.0\.1:9/);
    const missing = await failure(['status', 'zzzzzzzzzzzz'], {});
    expect(missing?.stderr).toMatch(/deployment zzzzzzzzzzzz does not exist/);
  });

  it('exits non-zero with the build error for a broken build', async () => {
    const result = await run(draas, ['deploy', path.join(REPO_ROOT, 'test/fixtures/broken-build')], { env: env(), timeout: 120_000 }).then(
      () => null,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(result?.code).toBe(1);
    expect(`${result?.stdout}${result?.stderr}`).toMatch(/returned a non-zero code: 7/);
  });
});
