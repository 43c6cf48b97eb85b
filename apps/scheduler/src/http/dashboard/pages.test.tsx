import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { DEFAULT_ROLLOUT, formatAge, formatBytes, type AgentView, type AppView, type DeploymentEvent, type DeploymentView } from '@draas/queue-contracts';
import { describe, expect, it } from 'vitest';
import { createAccess } from '../auth.js';
import { loginRoutes } from '../routes/login.js';
import { assets, assetUrl, stylesheet } from './assets.js';
import type { DashboardData } from './data.js';
import { dashboardApp } from './routes.js';

// The pages rendered from plain views (no Redis needed: rendering is pure), with hostile strings
// wherever a user or a container can put text. JSX must escape all of it.

const XSS = '<img src=x onerror=alert(1)>';
const now = new Date().toISOString();

const agent: AgentView = {
  agentId: 'agent-a',
  address: `10.0.0.1${XSS}`,
  labels: { zone: `eu${XSS}` },
  capacity: { memoryBytes: 2 ** 30, milliCpus: 4000, maxInstances: 10 },
  usage: { memoryBytes: 0, milliCpus: 0, instances: 0 },
  resources: { cpuPercent: 12.5, cpus: 4, memoryTotalBytes: 8 * 2 ** 30, memoryAvailableBytes: 6 * 2 ** 30, diskTotalBytes: 1, diskFreeBytes: 1 },
  runningInstances: 1,
  versions: { agent: `0.1.0${XSS}`, docker: '27.0', node: '20' },
  heartbeatMs: 2000,
  startedAt: 0,
  state: 'online',
  lastSeen: now,
};

const deployment: DeploymentView = {
  id: 'abcdefghijkl',
  name: `site${XSS}`,
  status: 'failed',
  desired: 'running',
  image: `draas/site:abcdefghijkl${XSS}`,
  imageId: null,
  source: 'archive',
  app: null,
  replicas: 1,
  envKeys: [`KEY${XSS}`],
  ports: [],
  memory: '256m',
  cpus: 0.25,
  constraints: [`zone=${XSS}`],
  restart: 'on-failure',
  strategy: 'spread',
  error: `build failed: ${XSS}`,
  urls: ['javascript:alert(1)', 'http://127.0.0.1:32768'],
  instances: [
    {
      index: 0, attempt: 2, agentId: 'agent-a', status: 'failed', containerId: null, ports: [],
      urls: ['javascript:alert(2)'], exitCode: 1, error: `exited: ${XSS}`, restartAt: null, health: null, healthError: null, retire: null, retireAt: null, updatedAt: now,
    },
  ],
  createdAt: now,
  updatedAt: now,
};

const timeline: DeploymentEvent[] = [
  { type: 'deployment', version: 1, deploymentId: deployment.id, status: 'failed', instance: null, at: Date.now() },
];

/** v1 serves, v2 rolls out (one instance healthy, one failing its check), v1's instance retiring. */
const webApp: AppView = {
  name: 'web',
  address: 'http://web.localhost:8000/',
  status: 'updating',
  replicas: 2,
  healthy: 1,
  current: 1,
  target: 2,
  rollout: DEFAULT_ROLLOUT,
  versions: [
    { version: 2, deploymentId: 'mnopqrstuvwx', state: 'rolling', reason: null, everHealthy: false, rollbackOf: null, createdAt: now, status: 'running', image: `draas/web:2${XSS}`, error: null },
    { version: 1, deploymentId: deployment.id, state: 'serving', reason: `because ${XSS}`, everHealthy: true, rollbackOf: null, createdAt: now, status: 'running', image: 'draas/web:1', error: null },
  ],
  instances: [
    { version: 1, deploymentId: deployment.id, index: 0, attempt: 1, agentId: 'agent-a', status: 'running', health: 'healthy', healthError: null, serving: false, retiring: true, url: 'javascript:alert(3)', error: null },
    { version: 2, deploymentId: 'mnopqrstuvwx', index: 0, attempt: 1, agentId: 'agent-a', status: 'running', health: 'healthy', healthError: null, serving: true, retiring: false, url: 'http://127.0.0.1:32769', error: null },
    { version: 2, deploymentId: 'mnopqrstuvwx', index: 1, attempt: 1, agentId: `agent-b${XSS}`, status: 'running', health: 'unhealthy', healthError: `GET / answered 500: ${XSS}`, serving: false, retiring: false, url: null, error: null },
  ],
  createdAt: now,
  updatedAt: now,
};

/** A name no API accepts, to prove the rows escape it anyway; no router, so no address. */
const oddApp: AppView = { ...webApp, name: `odd${XSS}`, address: null, status: 'failed', current: null, target: null, healthy: 0, instances: [] };

const data: DashboardData = {
  agents: async () => [agent],
  deployments: async () => [deployment],
  deployment: async (id) => (id === deployment.id ? { ...deployment, app: { name: 'web', version: 1 } } : null),
  timeline: async () => timeline,
  apps: async () => [oddApp, webApp],
  app: async (name) => [oddApp, webApp].find((a) => a.name === name) ?? null,
};

const app = dashboardApp(data);
const page = async (path: string) => {
  const res = await app.request(path);
  return { res, html: await res.text() };
};

/** No hostile markup survives as markup: every `<` of it arrives as `&lt;`. */
function expectEscaped(html: string): void {
  expect(html).not.toContain('<img');
  expect(html).not.toContain('onerror=alert(1)>');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
}

describe('dashboard pages', () => {
  it('escape every user-controlled string on the overview', async () => {
    const { res, html } = await page('/dashboard');
    expect(res.status).toBe(200);
    expectEscaped(html);
    expect(html).toContain('id="deploymentId"');
    expect(html).toContain('href="/admin/queues"');
    expect(html).toContain('href="http://127.0.0.1:32768"');
    expect(html).not.toContain('href="javascript:');
  });

  it('escape the deployment page and link only http(s) URLs', async () => {
    const { res, html } = await page(`/dashboard/deployments/${deployment.id}`);
    expect(res.status).toBe(200);
    expectEscaped(html);
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('javascript:alert(2)'); // shown, as text
    expect(html).toContain('build failed: &lt;img');
  });

  it('show apps first on the overview: address, status, versions, a dot per instance, rollout progress', async () => {
    const { html } = await page('/dashboard');
    expect(html.indexOf('id="apps-body"')).toBeLessThan(html.indexOf('id="agents-body"'));
    expect(html.indexOf('id="apps-body"')).toBeLessThan(html.indexOf('id="deployments-body"'));
    expect(html).toContain('<tbody id="apps-body" data-ids="odd&lt;img src=x onerror=alert(1)&gt; web">');
    const row = html.slice(html.indexOf('<tr data-id="web"'), html.indexOf('</tr>', html.indexOf('<tr data-id="web"')));
    expect(row).toContain(`data-deployments="mnopqrstuvwx ${deployment.id}"`);
    expect(row).toContain('href="/dashboard/apps/web"');
    expect(row).toContain('href="http://web.localhost:8000/"');
    expect(row).toContain('data-status="updating"');
    expect(row).toContain('v1 → v2');
    expect(row).toContain('v2: 1/2 healthy');
    expect([...row.matchAll(/class="hdot tone-(\w+)" data-state="(\w+)"/g)].map((m) => `${m[2]}:${m[1]}`)).toEqual(['retiring:off', 'healthy:ok', 'unhealthy:bad']);
    expect(row).toContain('title="v2 #1 on agent-b&lt;img src=x onerror=alert(1)&gt;: unhealthy (GET / answered 500: &lt;img');
    expect(html).toContain('<p class="empty" id="apps-empty" hidden="">');
  });

  it('escape the app page, link only http(s) URLs, and follow the rolling version\'s log', async () => {
    const { res, html } = await page('/dashboard/apps/web');
    expect(res.status).toBe(200);
    expectEscaped(html);
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('javascript:alert(3)'); // shown, as text
    expect(html).toContain('<title>updating · web · DRaaS</title>');
    expect(html).toContain('because &lt;img');
    expect(html).toContain('GET / answered 500: &lt;img');
    expect(html).toContain('draas/web:2&lt;img');
    // The address comes first, right under the title.
    expect(html.indexOf('id="a-address"')).toBeLessThan(html.indexOf('id="a-details"'));
    expect(html).toContain('href="/dashboard/deployments/mnopqrstuvwx"');
    expect(html).toContain('id="a-log-of" data-id="mnopqrstuvwx"');
    expect(html).toContain('<option value="1">v1 (serving)</option>');
    expect(html).toMatch(/<tr data-id="2">[\s\S]*?data-status="rolling"/);
    expect(html).toContain('data-app-name="web"');
  });

  it('say on a version\'s deployment page which app it belongs to', async () => {
    const { html } = await page(`/dashboard/deployments/${deployment.id}`);
    expect(html).toMatch(/id="d-app">v1 of app <a class="strong" href="\/dashboard\/apps\/web">web<\/a>/);
  });

  it('answer a friendly 404 page for an unknown or malformed app name', async () => {
    const unknown = await page('/dashboard/apps/nope');
    expect(unknown.res.status).toBe(404);
    expect(unknown.html).toContain('There is no app nope');
    const malformed = await page(`/dashboard/apps/${encodeURIComponent('<b>x</b>')}`);
    expect(malformed.res.status).toBe(404);
    expect(malformed.html).toContain('&quot;&lt;b&gt;x&lt;/b&gt;&quot; is not an app name');
  });

  it('forbid inline scripts with a Content-Security-Policy', async () => {
    const fragments = ['/dashboard/fragments/agents', '/dashboard/fragments/deployments?id=x', `/dashboard/fragments/deployments/${deployment.id}`, '/dashboard/fragments/deployments/nope', '/dashboard/fragments/apps', '/dashboard/fragments/apps/web', '/dashboard/fragments/apps/nope'];
    for (const path of ['/dashboard', '/dashboard/new', `/dashboard/deployments/${deployment.id}`, '/dashboard/deployments/nope', '/dashboard/apps/web', '/dashboard/apps/nope', '/dashboard/x', ...fragments]) {
      expect((await app.request(path)).headers.get('content-security-policy'), path).toMatch(/default-src 'none'; script-src 'self';/);
    }
    for (const path of ['/dashboard', '/dashboard/apps/web']) {
      const { html } = await page(path);
      expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
      // No event-handler attribute on any element (attribute values, which may quote anything, aside).
      const tags = (html.match(/<[a-z][^>]*>/gi) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));
      expect(tags.filter((tag) => /\son[a-z]+=/i.test(tag)), path).toEqual([]);
    }
  });

  it('answer a friendly 404 page for an unknown or malformed id', async () => {
    const unknown = await page('/dashboard/deployments/zzzzzzzzzzzz');
    expect(unknown.res.status).toBe(404);
    expect(unknown.res.headers.get('content-type')).toMatch(/text\/html/);
    expect(unknown.html).toContain('There is no deployment zzzzzzzzzzzz');
    const malformed = await page(`/dashboard/deployments/${encodeURIComponent('<b>x</b>')}`);
    expect(malformed.res.status).toBe(404);
    expect(malformed.html).toContain('&quot;&lt;b&gt;x&lt;/b&gt;&quot; is not a deployment id');
  });

  it('serve assets under a content hash with a long cache', async () => {
    const res = await app.request(assetUrl('common.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(await res.text()).toContain('new EventSource');
    expect((await app.request('/dashboard/assets/0/nope.js')).status).toBe(404);
    const stale = await app.request('/dashboard/assets/000000000000/deployment.js');
    expect(stale.headers.get('cache-control')).toBe('no-cache');
  });
});

describe('dashboard fragments', () => {
  // A second, newer deployment, so that a fragment can carry some rows of a longer list.
  const newer: DeploymentView = { ...deployment, id: 'mnopqrstuvwx', name: 'newer', status: 'running', error: null, urls: [], instances: [] };
  const offline: AgentView = { ...agent, agentId: 'agent-b', state: 'offline', address: '10.0.0.2' };
  const listed = [newer, deployment];
  const two = dashboardApp({
    agents: async () => [agent, offline],
    deployments: async () => listed,
    deployment: async (id) => listed.find((d) => d.id === id) ?? null,
    timeline: async () => timeline,
    apps: async () => [oddApp, webApp],
    app: async (name) => [oddApp, webApp].find((a) => a.name === name) ?? null,
  });
  const get = async (path: string) => {
    const res = await two.request(path);
    return { res, html: await res.text() };
  };
  /** A table row, whole (a row holds no row). */
  const row = (html: string, id: string): string => {
    const start = html.indexOf(`<tr data-id="${id}">`);
    expect(start, `row ${id}`).toBeGreaterThanOrEqual(0);
    return html.slice(start, html.indexOf('</tr>', start) + '</tr>'.length);
  };
  const rowIds = (html: string) => [...html.matchAll(/<tr data-id="([^"]+)">/g)].map((m) => m[1]);

  it('render each row exactly as the full page does, with the counts and notes beside it', async () => {
    const { html: overview } = await get('/dashboard');
    const agents = await get('/dashboard/fragments/agents');
    expect(agents.res.status).toBe(200);
    expect(agents.res.headers.get('content-type')).toMatch(/^text\/html/);
    for (const id of ['agent-a', 'agent-b']) expect(overview).toContain(row(agents.html, id));
    expect(agents.html).toContain('<dd id="stat-agents">1 / 2</dd>');
    expect(overview).toContain('<dd id="stat-agents">1 / 2</dd>');
    const deployments = await get(`/dashboard/fragments/deployments?id=${deployment.id}`);
    expect(overview).toContain(row(deployments.html, deployment.id));
    for (const part of ['<dd id="stat-running">1</dd>', '<dd id="stat-failed">1</dd>', '<dd id="stat-deployments">2</dd>', '<p class="empty" id="deployments-empty" hidden="">']) {
      expect(deployments.html).toContain(part);
      expect(overview).toContain(part);
    }
  });

  it('carry only the rows asked for, name every listed id in order, and leave out unknown ids', async () => {
    const some = await get(`/dashboard/fragments/deployments?id=${deployment.id}&id=zzzzzzzzzzzz`);
    expect(some.res.status).toBe(200);
    expect(rowIds(some.html)).toEqual([deployment.id]);
    expect(some.html).toContain(`<tbody id="deployments-body" data-ids="${newer.id} ${deployment.id}">`);
    expect(rowIds((await get('/dashboard/fragments/deployments')).html)).toEqual([newer.id, deployment.id]);
    expect(rowIds((await get('/dashboard/fragments/agents?id=agent-b')).html)).toEqual(['agent-b']);
    expect(rowIds((await get('/dashboard/fragments/agents?id=nope')).html)).toEqual([]);
  });

  it('render the deployment page parts as the page does, and answer 404 for an unknown or malformed id', async () => {
    const { html: pageHtml } = await get(`/dashboard/deployments/${deployment.id}`);
    const { res, html } = await get(`/dashboard/fragments/deployments/${deployment.id}`);
    expect(res.status).toBe(200);
    const title = /^<title>([^<]*)<\/title>/.exec(html);
    expect(title?.[1]).toBe(`failed · site${XSS.replace(/</g, '&lt;').replace(/>/g, '&gt;')} · DRaaS`);
    expect(pageHtml).toContain(`<title>${title?.[1]}</title>`);
    const parts = html.slice(title?.[0].length);
    expect(parts).toMatch(/^<div class="page-head" id="d-head" data-ended="">/);
    expect(pageHtml).toContain(parts);
    for (const id of ['d-details', 'd-instances', 'd-timeline', 'd-status', 'instances-body', 'timeline']) expect(parts).toContain(`id="${id}"`);

    for (const path of ['/dashboard/fragments/deployments/zzzzzzzzzzzz', `/dashboard/fragments/deployments/${encodeURIComponent('<b>x</b>')}`]) {
      const missing = await two.request(path);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get('content-type'), path).toMatch(/^text\/plain/);
    }
  });

  it('render the apps\' rows and the app page\'s parts as the pages do, and answer 404 for an unknown app', async () => {
    const { html: overview } = await get('/dashboard');
    const apps = await get('/dashboard/fragments/apps?name=web&name=zzz');
    expect(apps.res.status).toBe(200);
    const appIds = (html: string) => [...html.matchAll(/<tr data-id="([^"]+)" data-deployments=/g)].map((m) => m[1]);
    expect(appIds(apps.html)).toEqual(['web']);
    const start = apps.html.indexOf('<tr data-id="web"');
    expect(overview).toContain(apps.html.slice(start, apps.html.indexOf('</tr>', start) + 5));
    expect(appIds((await get('/dashboard/fragments/apps')).html)).toEqual([`odd${XSS.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`, 'web']);
    expect(apps.html).toContain('<p class="empty" id="apps-empty" hidden="">');

    const { html: pageHtml } = await get('/dashboard/apps/web');
    const { res, html } = await get('/dashboard/fragments/apps/web');
    expect(res.status).toBe(200);
    const title = /^<title>([^<]*)<\/title>/.exec(html);
    expect(title?.[1]).toBe('updating · web · DRaaS');
    const parts = html.slice(title?.[0].length);
    const logOf = parts.indexOf('<span class="hint log-source" id="a-log-of"');
    expect(logOf).toBeGreaterThan(0);
    expect(pageHtml).toContain(parts.slice(0, logOf));
    expect(pageHtml).toContain(parts.slice(logOf));
    for (const id of ['a-head', 'a-status', 'a-address', 'a-details', 'a-rollback', 'a-versions', 'a-instances']) expect(parts).toContain(`id="${id}"`);
    const missing = await two.request('/dashboard/fragments/apps/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('escape every user-controlled string', async () => {
    for (const path of ['/dashboard/fragments/agents', '/dashboard/fragments/deployments', `/dashboard/fragments/deployments/${deployment.id}`, '/dashboard/fragments/apps', '/dashboard/fragments/apps/web']) {
      const { html } = await get(path);
      expectEscaped(html);
      expect(html, path).not.toContain('href="javascript:');
    }
  });

  it('write instants, and leave "x ago" to the page: an online agent says when it turns stale', async () => {
    const { html } = await get('/dashboard/fragments/agents');
    expect(row(html, 'agent-a')).toContain(`<time datetime="${now}" title="${now}" data-age="" data-stale-ms="7000">${now}</time>`);
    expect(row(html, 'agent-b')).toContain(`data-age="">${now}</time>`);
    expect(html).not.toContain(' ago');
  });
});

describe('formatters.js', () => {
  it('is the contracts\' own formatters, for the browser', () => {
    const script = assets.get('formatters.js')?.body ?? '';
    const window: { DRaaS?: { formatBytes: typeof formatBytes; formatAge: typeof formatAge } } = {};
    runInNewContext(script, { window });
    const browser = window.DRaaS;
    for (const bytes of [0, 512, 3500, 256 * 1024 ** 2, 1.5 * 1024 ** 3, 2 ** 50]) expect(browser?.formatBytes(bytes)).toBe(formatBytes(bytes));
    const at = Date.parse('2025-06-01T12:00:00Z');
    for (const since of ['2025-06-01T11:59:18Z', '2025-06-01T11:55:00Z', '2025-05-20T12:00:00Z', '2025-06-01T12:00:05Z', at - 90_000]) {
      expect(browser?.formatAge(since, at)).toBe(formatAge(since, at));
    }
    expect(browser?.formatAge('2025-06-01T09:00:00Z', at)).toBe('3h');
  });
});

describe('login page', () => {
  const login = loginRoutes(createAccess({ admin: 'the-token', readers: ['a-read-only-token'], disabled: false }));

  it('inlines the stylesheet that its policy allows by hash, and never redirects off-site', async () => {
    const res = await login.request('/login?next=//evil.example/x');
    const html = await res.text();
    const hash = createHash('sha256').update(stylesheet()).digest('base64');
    expect(res.headers.get('content-security-policy')).toContain(`'sha256-${hash}'`);
    expect(html).toContain('action="/login?next=%2Fdashboard"');
  });

  it('sets an HttpOnly SameSite=Strict cookie for the right token only', async () => {
    const body = (token: string) => new URLSearchParams({ token });
    const wrong = await login.request('/login?next=/dashboard/new', { method: 'POST', body: body('nope') });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get('location')).toBe('/login?failed=1&next=%2Fdashboard%2Fnew');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await login.request('/login?next=/dashboard/new', { method: 'POST', body: body('the-token') });
    expect(right.headers.get('location')).toBe('/dashboard/new');
    expect(right.headers.get('set-cookie')).toMatch(/draas_session=the-token;.*HttpOnly.*SameSite=Strict/);
    const reader = await login.request('/login', { method: 'POST', body: body('a-read-only-token') });
    expect(reader.headers.get('set-cookie')).toMatch(/draas_session=a-read-only-token;/);
  });
});
