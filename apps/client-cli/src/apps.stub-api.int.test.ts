import type { AppView } from '@draas/queue-contracts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appVersion, appView, failedView, rollingView, servedView } from './testing/app-view.js';
import { draas, ID, readBody, sendJson, SPAWN_TIMEOUT_MS, sse, startStubApi, view, type Route, type StubApi } from './testing/stub-api.js';

// The apps commands of the real `draas` binary against a stub of the scheduler's apps API
// (docs/API.md, Apps): the stub hands out scripted AppViews, one per GET, the last one repeating.

const ADDRESS = 'http://web.localhost:8080/';
const version2 = () => view({ status: 'queued', name: 'web', app: { name: 'web', version: 2 } });

/** GET /api/apps/web answers `views` in turn; the deployment's stream says it is scheduled (built). */
function appRoutes(views: AppView[], more: Route = () => false): Route {
  let next = 0;
  return async (req, res, url) => {
    if (url.pathname === `/api/deployments/${ID}/logs` && url.searchParams.get('follow') === '1') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'status', view({ status: 'scheduled', name: 'web', app: { name: 'web', version: 2 } }));
      return true; // left open: the CLI turns to the rollout by itself
    }
    if (req.method === 'GET' && url.pathname === '/api/apps/web') {
      sendJson(res, 200, views[Math.min(next++, views.length - 1)]);
      return true;
    }
    if (url.pathname === '/api/apps/nope') {
      sendJson(res, 404, { error: { code: 'not_found', message: 'no app named nope' } });
      return true;
    }
    return more(req, res, url);
  };
}

let stub: StubApi | null = null;
let tmp: string | null = null;
afterEach(async () => {
  await stub?.close();
  stub = null;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = null;
});

const lines = (text: string) => text.trimEnd().split('\n');

describe('draas deploy --name (an app version, against a stub of the API)', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('sends the app with the upload, follows the rollout and prints the address first', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'draas-cli-apps-'));
    const folder = path.join(tmp, 'web');
    await mkdir(folder);
    await writeFile(path.join(folder, 'Dockerfile'), 'FROM nginx:alpine\n');
    stub = await startStubApi(appRoutes([rollingView(0), rollingView(1), servedView()]), version2);

    const run = await draas(['deploy', folder, '--name', 'web', '--health-path', '/healthz', '--health-deadline', '90s', '--max-surge', '1'], { DRAAS_URL: stub.url });

    expect(run.code, run.stderr).toBe(0);
    expect(stub.uploads[0]?.fields).toEqual({ name: 'web', app: 'web', healthPath: '/healthz', healthDeadline: '90s', maxSurge: '1' });
    const out = lines(run.stdout);
    expect(out).toContain('[rollout] v2: 0/2 healthy, 2 starting, 2 old instances left');
    expect(out).toContain('[rollout] v2: 1/2 healthy, 1 starting, 1 old instance left');
    const end = out.slice(out.indexOf('[rollout] v2: 2/2 healthy') + 1);
    expect(end).toEqual([ADDRESS, '✔ web v2 serving (2/2 healthy)', 'http://127.0.0.1:32020', 'http://127.0.0.1:32021']);
  });

  it('when the new version fails: its reason, "v1 still serves" at the address, exit 1', async () => {
    stub = await startStubApi(appRoutes([rollingView(0), rollingView(1), failedView()]), version2);
    const run = await draas(['deploy', '--image', 'nginx:1.27', '--name', 'web'], { DRAAS_URL: stub.url });
    expect(run.code).toBe(1);
    expect(stub.jsonBodies).toEqual([{ image: 'nginx:1.27', name: 'web', app: 'web' }]);
    expect(run.stderr).toContain('✖ v2 of web failed: instance 0 of v2 was not healthy within 1m: health check /healthz answered 500');
    expect(run.stderr).toContain(`v1 still serves at ${ADDRESS}`);
    expect(run.stdout).not.toContain('✔');
  });

  it('--json prints one object with the outcome, the deployment and the AppView', async () => {
    stub = await startStubApi(appRoutes([rollingView(1), servedView()]), version2);
    const run = await draas(['deploy', '--image', 'nginx:1.27', '--name', 'web', '--json'], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    const result = JSON.parse(run.stdout) as { outcome: string; deployment: { id: string }; app: AppView };
    expect(result.outcome).toBe('done');
    expect(result.deployment.id).toBe(ID);
    expect(result.app).toEqual(servedView());
    expect(run.stderr).toContain('[rollout] v2: 2/2 healthy');
  });
});

describe('apps commands (against a stub of the API)', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('apps prints the table; app prints the address first, then versions and instances', async () => {
    stub = await startStubApi(appRoutes([rollingView(1)], (req, res, url) => (url.pathname === '/api/apps' ? (sendJson(res, 200, { apps: [appView()] }), true) : false)));
    const list = await draas(['apps'], { DRAAS_URL: stub.url });
    expect(list.code, list.stderr).toBe(0);
    expect(lines(list.stdout)).toEqual(['NAME  STATUS   VERSION  HEALTHY  ADDRESS', `web   running  v1       2/2      ${ADDRESS}`]);

    const one = await draas(['app', 'web'], { DRAAS_URL: stub.url });
    expect(one.code, one.stderr).toBe(0);
    expect(lines(one.stdout)[0]).toBe(`address  ${ADDRESS}`);
    expect(one.stdout).toMatch(/^current +v1\ntarget +v2\nrollout +max surge 1, max unavailable 0, health deadline 1m\n/m);
    expect(one.stdout).toMatch(/VERSION +STATE +STATUS +DEPLOYMENT +AGE +REASON\nv2 +rolling +scheduled/);
    expect(one.stdout).toMatch(/VERSION +INDEX +AGENT +STATUS +HEALTH +URL +NOTE\nv2 +0 +agent-a +running +healthy +http:\/\/127\.0\.0\.1:32020 +serving/);
  });

  it('an unknown app is said plainly, exit 1', async () => {
    stub = await startStubApi(appRoutes([]));
    const run = await draas(['app', 'nope'], { DRAAS_URL: stub.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('draas: no app named "nope"; list the apps with: draas apps (404 not_found)\n');
  });

  it('scale posts the replicas and follows until that many are healthy', async () => {
    const starting = appView({ replicas: 3, healthy: 2, status: 'degraded', instances: [...appView().instances, { ...appView().instances[0]!, index: 2, status: 'starting', health: 'starting', serving: false }] });
    const scaled = appView({ replicas: 3, healthy: 3, instances: [...appView().instances, { ...appView().instances[0]!, index: 2, url: 'http://127.0.0.1:32012' }] });
    let body: unknown = null;
    stub = await startStubApi(
      appRoutes([starting, scaled], async (req, res, url) => {
        if (req.method !== 'POST' || url.pathname !== '/api/apps/web/scale') return false;
        body = JSON.parse((await readBody(req)).toString());
        sendJson(res, 202, starting);
        return true;
      }),
    );
    const run = await draas(['scale', 'web', '3'], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(body).toEqual({ replicas: 3 });
    const out = lines(run.stdout);
    expect(out[0]).toBe('scaling web to 3 (2 healthy now)');
    expect(out).toContain('[scale] web: 2/3 healthy, 1 starting');
    expect(out.slice(-5, -3)).toEqual([ADDRESS, '✔ web v1 scaled to 3 (3/3 healthy)']);
  });

  it('rollback --to posts the version and follows the new one; nothing to roll back to is a 409', async () => {
    const rolling = appView({ status: 'updating', target: 3, versions: [appVersion(1, 'replaced'), appVersion(2, 'serving'), appVersion(3, 'rolling', { rollbackOf: 1 })] });
    const done = appView({ current: 3, versions: [appVersion(1, 'replaced'), appVersion(2, 'replaced'), appVersion(3, 'serving', { rollbackOf: 1 })] });
    let body: unknown = null;
    stub = await startStubApi(
      appRoutes([done], async (req, res, url) => {
        if (req.method !== 'POST' || url.pathname !== '/api/apps/web/rollback') return false;
        body = JSON.parse((await readBody(req)).toString());
        if ((body as { version?: number }).version === 9) sendJson(res, 409, { error: { code: 'conflict', message: 'web has no version 9 that was ever healthy' } });
        else sendJson(res, 202, rolling);
        return true;
      }),
    );
    const run = await draas(['rollback', 'web', '--to', 'v1'], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(body).toEqual({ version: 1 });
    expect(lines(run.stdout)[0]).toBe('rolling back web: v3 repeats v1');
    expect(run.stdout).toContain(`${ADDRESS}\n✔ web v3 serving (2/2 healthy)\n`);

    const refused = await draas(['rollback', 'web', '--to', '9'], { DRAAS_URL: stub.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('draas: web has no version 9 that was ever healthy (409 conflict)\n');
  });

  it('destroy says what was stopped; --json prints the answer', async () => {
    stub = await startStubApi((req, res, url) =>
      req.method === 'DELETE' && url.pathname === '/api/apps/web' ? (sendJson(res, 200, { name: 'web', stopped: 2 }), true) : false,
    );
    const run = await draas(['destroy', 'web'], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('destroyed web: stopped 2 versions\n');
    const json = await draas(['destroy', 'web', '--json'], { DRAAS_URL: stub.url });
    expect(JSON.parse(json.stdout)).toEqual({ name: 'web', stopped: 2 });
  });
});
