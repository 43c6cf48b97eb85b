// The dashboard and Bull Board in a real browser (Debian's headless Chromium driven by
// playwright-core) against the real scheduler, agent, Redis and Docker: what an operator sees.
// Screenshots of every page land in test-artifacts/screenshots/.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/local-redis.js';
import { answers, buildTestImage, removeTestImage, startCluster, zipFolder, type Cluster } from '../harness.js';
import { makeZip } from '../zip-fixtures.js';

// The callbacks given to page.evaluate run inside the browser. The repository's type-check has no
// DOM library (server code must not see one), so the few browser globals they use are declared here,
// for this file only.
interface BrowserElement {
  textContent: string | null;
  value: number | string;
}
interface BrowserNode {
  textContent: string | null;
  outerHTML: string;
  classList: { remove(...tokens: string[]): void; length: number };
  cloneNode(deep: boolean): BrowserNode;
  querySelector(selector: string): BrowserNode | null;
  querySelectorAll(selector: string): Iterable<BrowserNode>;
  removeAttribute(name: string): void;
}
declare const window: { scrollTo(x: number, y: number): void; notReloaded?: boolean; appNotReloaded?: boolean };
declare const Event: new (type: string) => object;
declare const DOMParser: new () => { parseFromString(html: string, type: string): { querySelector(selector: string): BrowserNode | null } };
declare const document: {
  activeElement: { dataset: Record<string, string | undefined>; closest(selector: string): { dataset: Record<string, string | undefined> } | null } | null;
  dispatchEvent(event: object): boolean;
  querySelector(selector: string): BrowserNode | null;
  querySelectorAll(selector: string): ArrayLike<BrowserElement> & Iterable<BrowserElement>;
  getElementById(id: string): BrowserElement;
  documentElement: { scrollWidth: number };
  images: { length: number };
  body: object;
};
declare const sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
declare const MutationObserver: new (callback: () => void) => { observe(target: object, options: { attributes: boolean }): void };
declare function getComputedStyle(element: object): { backgroundColor: string };
declare class DataTransfer {
  items: { add(file: File): void };
}

const CHROMIUM = '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed`;
// Without Chromium the browser tests are skipped, except in CI, where that is a failure (below).
const skip = inject('infraMissing') !== null || (chromiumMissing !== null && process.env.CI !== 'true');

const SHOTS = path.join(REPO_ROOT, 'test-artifacts/screenshots');
const AGENT = 'web-a';
const XSS = '<img src=x onerror=alert(1)>';
const WAIT = 30_000;

describe.skipIf(skip)('the dashboard in a browser', () => {
  let cluster: Cluster;
  let browser: Browser;
  let context: BrowserContext;
  let tmp: string;
  /** Uncaught page errors and console errors (a CSP violation is one): there must be none. */
  const pageErrors: string[] = [];
  let siteId = '';
  let xssId = '';
  let redeployedId = '';

  const url = (p: string) => cluster.url + p;
  async function shot(page: Page, name: string): Promise<void> {
    // From the top, so that the sticky header sits where it belongs in a full-page picture.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }
  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent({ timeout: WAIT })) ?? '').trim();
  const waitForText = (page: Page, selector: string, expected: string, timeout = WAIT) =>
    page.waitForFunction(
      ([sel, want]) => Array.from(document.querySelectorAll(sel as string)).some((el) => (el.textContent ?? '').includes(want as string)),
      [selector, expected],
      { timeout },
    );
  /** The page's event or log stream is connected (or, for an ended deployment, complete). */
  const streamUp = (page: Page) => page.locator('#live[data-state="live"], #live[data-state="ended"]').waitFor({ timeout: WAIT });
  const noHorizontalScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);
  /**
   * The element at `selector` on the page, updated live, has the very markup that the server renders
   * for it now (the fragment at `path`), both read back by the browser. Taken out first: what only the
   * page adds, the words of times (ages, the reader's zone) and the classes for a change (flash) or a
   * late heartbeat (stale). Polled: a status may change between the two reads.
   */
  const sameAsServer = (page: Page, selector: string, path: string) =>
    expect
      .poll(
        () =>
          page.evaluate(
            async ([sel, from]) => {
              const plain = (el: BrowserNode | null) => {
                if (!el) return null;
                const copy = el.cloneNode(true);
                for (const time of copy.querySelectorAll('time')) time.textContent = '';
                for (const time of copy.querySelectorAll('time[data-local]')) time.removeAttribute('title');
                for (const marked of [copy, ...copy.querySelectorAll('[class]')]) {
                  marked.classList.remove('flash', 'stale');
                  if (marked.classList.length === 0) marked.removeAttribute('class');
                }
                return copy.outerHTML;
              };
              const served = new DOMParser().parseFromString(await (await fetch(from as string)).text(), 'text/html');
              return { live: plain(document.querySelector(sel as string)), served: plain(served.querySelector(sel as string)) };
            },
            [selector, path],
          ),
        { timeout: WAIT, interval: 250 },
      )
      .toSatisfy(({ live, served }) => live !== null && live === served, `${selector} as ${path} renders it`);

  function watch(page: Page): Page {
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      // An answer of 4xx is logged by the browser; the page shows those (and the tests check it).
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(`${page.url()}: console: ${msg.text()}`);
    });
    return page;
  }

  beforeAll(async () => {
    if (chromiumMissing) throw new Error(`CI=true and the browser tests cannot run: ${chromiumMissing}`);
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'draas-browser-'));
    cluster = await startCluster(inject('redisUrl'));
    await cluster.startAgent(AGENT, { AGENT_LABELS: 'zone=eu,disk=ssd' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: WAIT,
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    context.setDefaultTimeout(WAIT);
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('sends a visitor to the login, then shows the agent online on the overview', async () => {
    const page = watch(await context.newPage());
    await page.goto(url('/dashboard'));
    const login = new URL(page.url());
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('next')).toBe('/dashboard');
    await shot(page, 'login');

    await page.fill('#token', 'not-the-token');
    await Promise.all([page.waitForURL(/failed=1/), page.click('button[type="submit"]')]);
    expect(await text(page, '[role="alert"]')).toContain('not valid');

    await page.fill('#token', cluster.token);
    await Promise.all([page.waitForURL(url('/dashboard')), page.click('button[type="submit"]')]);
    const row = `#agents-body tr[data-id="${AGENT}"]`;
    await waitForText(page, `${row} .badge`, 'online');
    expect(await text(page, `${row} td[data-label="Address"]`)).toBe('127.0.0.1');
    expect(await text(page, `${row} td[data-label="Labels"]`)).toContain('zone=eu');
    expect(await page.locator(`${row} meter`).count()).toBe(2);
    expect(await text(page, `${row} td[data-label="Running"]`)).toMatch(/^0 \/ \d+$/);
    // Heartbeats keep "last seen" fresh without a reload.
    await page.waitForTimeout(2500);
    expect(await text(page, `${row} time[data-age]`)).toMatch(/just now|^[0-2]s ago$/);
    expect(await page.locator('a[href="/admin/queues"]').count()).toBeGreaterThan(0);
    expect(await noHorizontalScroll(page)).toBeLessThanOrEqual(1280);
    await streamUp(page);
    expect(await text(page, '#live')).toBe('Live');
    await shot(page, 'overview-1280');
    await page.close();
  });

  it('deploys a ZIP through the form and follows it live to running, then cancels it in the UI', async () => {
    const page = watch(await context.newPage());
    await page.goto(url('/dashboard'));
    await Promise.all([page.waitForURL(url('/dashboard/new')), page.click('.page-actions a:has-text("New deployment")')]);

    // A file that is not a ZIP: the API's message, shown as it is.
    const notZip = path.join(tmp, 'notes.zip');
    writeFileSync(notZip, 'this is not a zip file at all');
    await page.setInputFiles('#archive', notZip);
    await page.click('#submit');
    await waitForText(page, '#form-error', 'not a readable ZIP archive');
    expect(new URL(page.url()).pathname).toBe('/dashboard/new');

    // An image the API refuses: its message too.
    await page.check('input[name="kind"][value="image"]');
    expect(await page.locator('#dropzone').isVisible()).toBe(false);
    await page.fill('#image', 'Not An Image!');
    await page.click('#submit');
    await waitForText(page, '#form-error', 'an image is a Docker reference');
    await page.check('input[name="kind"][value="archive"]');

    // A file dropped on the zone is taken, as a picked one is.
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['PK'], 'dropped.zip', { type: 'application/zip' }));
      return transfer;
    });
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer: dropped });
    expect(await text(page, '#dz-title')).toBe('dropped.zip');

    const zipPath = path.join(tmp, 'static-site.zip');
    writeFileSync(zipPath, await zipFolder(path.join(REPO_ROOT, 'examples/static-site')));
    await page.setInputFiles('#archive', zipPath);
    expect(await text(page, '#dz-title')).toBe('static-site.zip');
    await page.fill('#name', 'static-site');
    await page.fill('#env', 'GREETING=hello\n# a comment\nSECRET=s3cr3t-value');
    await page.fill('#constraints', 'zone=eu');
    await shot(page, 'new-deployment');
    // Remember the upload progress the page showed, across the navigation that follows.
    await page.evaluate(() => {
      const bar = document.getElementById('upload-progress');
      new MutationObserver(() => sessionStorage.setItem('progress', String(bar.value))).observe(bar, { attributes: true });
    });
    const deploymentPage = /\/dashboard\/deployments\/[a-z0-9]{12}$/;
    const [, first] = await Promise.all([
      page.waitForURL(deploymentPage),
      page.waitForResponse((r) => deploymentPage.test(r.url()) && r.request().resourceType() === 'document'),
      page.click('#submit'),
    ]);
    expect(await page.evaluate(() => sessionStorage.getItem('progress'))).toBe('100');
    siteId = new URL(page.url()).pathname.split('/').pop() as string;
    // The page arrived while the build was still under way: what follows happens live.
    expect(/id="d-status"[^>]*>([a-z]+)</.exec(await first.text())?.[1]).toMatch(/^(queued|building|built|pending|scheduled)$/);

    // Build lines stream in while the status moves on, all without a reload.
    await page.evaluate(() => (window.notReloaded = true));
    await page.locator('#log .ln.p-build').first().waitFor({ timeout: 60_000 });
    await waitForText(page, '#d-status', 'running', 120_000);
    await waitForText(page, '#log .ln .tx', `Successfully tagged draas/static-site:${siteId}`);
    expect(await page.evaluate(() => window.notReloaded)).toBe(true);
    expect(await text(page, '#d-env')).toBe('GREETING, SECRET');
    expect(await page.content()).not.toContain('s3cr3t-value');
    await waitForText(page, '#timeline li', 'running');
    expect(await text(page, '#instances-body td[data-label="Agent"]')).toBe(AGENT);
    // Everything that changed on the page came from the server's renderer.
    for (const part of ['#d-head', '#d-details', '#d-instances', '#d-timeline']) await sameAsServer(page, part, `/dashboard/fragments/deployments/${siteId}`);
    expect(await page.title()).toBe('running · static-site · DRaaS');

    // The instance's URL is a link, and it serves the page.
    const href = await page.locator('#instances-body a.url').first().getAttribute('href');
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await answers(href as string, 'Hello from DRaaS');
    const site = await context.newPage();
    await site.goto(href as string);
    expect(await site.textContent('body')).toContain('Hello from DRaaS');
    await site.close();
    await shot(page, 'deployment-running');

    // Cancel: a confirmation first; "Keep it" changes nothing.
    await page.click('#cancel-deployment');
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await text(page, '#confirm-title')).toBe('Cancel static-site?');
    await page.click('#confirm-dialog button[value="no"]');
    await page.locator('#confirm-dialog[open]').waitFor({ state: 'detached' });
    expect(await text(page, '#d-status')).toBe('running');
    await page.click('#cancel-deployment');
    await page.click('#confirm-yes');
    await waitForText(page, '#d-status', 'cancelled');
    await waitForText(page, '#instances-body .badge', 'cancelled');
    expect(await page.locator('#cancel-deployment').isDisabled()).toBe(true);
    await page.close();
  });

  it('shows a log line full of markup as text, and runs none of it', async () => {
    const page = watch(await context.newPage());
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url('/dashboard'));
    await page.locator('#deployments-body').waitFor({ state: 'attached' });

    const dockerfile = `FROM draas/busybox:local\nCMD ["sh", "-c", "echo '${XSS}'; echo '<script>alert(2)</script>' >&2; exec sleep 600"]\n`;
    xssId = (await cluster.upload(makeZip([{ name: 'Dockerfile', data: dockerfile }]), { name: 'markup', restart: 'no' })).id;
    // The overview learns of it from the event stream, without a reload, and follows its status.
    const row = `#deployments-body tr[data-id="${xssId}"]`;
    await page.locator(row).waitFor();
    await waitForText(page, `${row} .badge`, 'running', 120_000);
    expect(await text(page, `${row} td[data-label="Agents"]`)).toBe(AGENT);
    // The agent's running count follows from its heartbeats.
    await waitForText(page, `#agents-body tr[data-id="${AGENT}"] td[data-label="Running"]`, '1 / ');
    // The row arrived and changed live, and reads exactly as the server renders it, as does the list.
    await sameAsServer(page, row, `/dashboard/fragments/deployments?id=${xssId}`);
    await sameAsServer(page, '#deployments-body', '/dashboard/fragments/deployments');
    await sameAsServer(page, '#stat-running', '/dashboard/fragments/deployments');

    await Promise.all([page.waitForURL(url(`/dashboard/deployments/${xssId}`)), page.click(`${row} a:has-text("Open")`)]);
    await waitForText(page, '#log .ln.p-run .tx', XSS);
    await waitForText(page, '#log .ln.s-stderr .tx', '<script>alert(2)</script>');
    expect(await page.locator('#log img, #log script').count()).toBe(0);
    expect(await page.evaluate(() => document.images.length)).toBe(0);

    // Search highlights and filters within the loaded lines.
    // (The build log's Dockerfile step holds the word too.)
    const holding = await page.evaluate(() => [...document.querySelectorAll('#log .tx')].filter((el) => el.textContent?.includes('onerror')).length);
    expect(holding).toBeGreaterThanOrEqual(2);
    await page.fill('#log-search', 'onerror');
    await waitForText(page, '#log-matches', `${holding} matching lines`);
    expect(await page.locator('#log mark').allTextContents()).toEqual(Array(holding).fill('onerror'));
    expect(await page.locator('#log .ln:not([hidden]):not(.notice)').count()).toBe(holding);
    await page.uncheck('#log-filter');
    await page.waitForFunction(() => document.querySelectorAll('#log .ln:not([hidden])').length > 1, undefined, { timeout: WAIT });
    await page.fill('#log-search', '');

    // Download: the API's text/plain answer, as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#log-download')]);
    expect(download.suggestedFilename()).toBe(`markup-${xssId}.log`);
    const saved = path.join(tmp, 'markup.log');
    await download.saveAs(saved);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(saved, 'utf8')).toContain(XSS);

    await page.waitForTimeout(1000);
    expect(dialogs).toEqual([]);
    await shot(page, 'deployment-logs');
    await page.close();
  });

  it('redeploys, replacing the old deployment, behind a confirmation', async () => {
    const page = watch(await context.newPage());
    await page.goto(url(`/dashboard/deployments/${xssId}`));
    await waitForText(page, '#d-status', 'running');
    await page.click('#redeploy');
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await text(page, '#confirm-body')).toContain(`draas/markup:${xssId}`);
    await page.check('#redeploy-replace');
    await Promise.all([
      page.waitForURL((u) => /^\/dashboard\/deployments\/[a-z0-9]{12}$/.test(u.pathname) && !u.pathname.endsWith(xssId)),
      page.click('#confirm-yes'),
    ]);
    redeployedId = new URL(page.url()).pathname.split('/').pop() as string;
    await waitForText(page, '#log .ln .tx', `redeploy of ${xssId}`);
    await waitForText(page, '#d-status', 'running', 60_000);
    await waitForText(page, '#log .tx', XSS);
    await cluster.waitForDeployment(xssId, (d) => d.status === 'cancelled', 'cancelled by the replacing redeploy', WAIT);
    await page.close();
  });

  it('keeps the original deployment monitor working', async () => {
    const page = watch(await context.newPage());
    await page.goto(url('/dashboard'));
    await page.fill('#deploymentId', siteId);
    await page.click('#fetch');
    await waitForText(page, '#logs', 'Status: cancelled');
    expect(await text(page, '#logs')).toContain(`Successfully tagged draas/static-site:${siteId}`);

    await page.fill('#deploymentId', 'nope');
    await page.click('#fetch');
    await waitForText(page, '#logs', 'Error:');
    await page.close();
  });

  it('answers a friendly 404 page for an unknown deployment', async () => {
    const page = watch(await context.newPage());
    const res = await page.goto(url('/dashboard/deployments/zzzzzzzzzzzz'));
    expect(res?.status()).toBe(404);
    expect(await text(page, 'h1')).toBe('Not found');
    expect(await text(page, 'main')).toContain('There is no deployment zzzzzzzzzzzz');
    await page.close();
  });

  it('opens Bull Board behind the same login, with the build queue and the agent queue', async () => {
    const anonymous = await browser.newContext();
    const outside = await anonymous.newPage();
    await outside.goto(url('/admin/queues'), { timeout: WAIT });
    expect(new URL(outside.url()).pathname).toBe('/login');
    await anonymous.close();

    const page = await context.newPage();
    await page.goto(url('/admin/queues'));
    await page.getByText(`deploy-${AGENT}`, { exact: true }).first().waitFor();
    await page.getByText('build', { exact: true }).first().waitFor();
    await page.getByText('Loading...').first().waitFor({ state: 'hidden' });
    await shot(page, 'bull-board');
    await page.close();
  });

  it('fits a 390 px phone without a horizontal scrollbar', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState(), isMobile: true });
    phone.setDefaultTimeout(WAIT);
    const page = watch(await phone.newPage());
    for (const [name, p] of [['overview', '/dashboard'], ['deployment', `/dashboard/deployments/${redeployedId}`], ['new', '/dashboard/new']] as const) {
      await page.goto(url(p));
      await page.waitForLoadState('load');
      if (name === 'deployment') await waitForText(page, '#log .tx', XSS);
      else if (name === 'overview') await waitForText(page, `#agents-body tr[data-id="${AGENT}"] .badge`, 'online');
      if (name !== 'new') await streamUp(page);
      if (name === 'overview') {
        // Heartbeats arriving before the lists are read must not zero the summary.
        await page.waitForTimeout(1200);
        const rows = await page.locator('#deployments-body tr').count();
        expect(rows).toBe(3);
        expect(await text(page, '#stat-deployments')).toBe(String(rows));
        expect(await page.locator('#deployments-empty').isHidden()).toBe(true);
      }
      expect(await noHorizontalScroll(page), name).toBeLessThanOrEqual(390);
      await shot(page, `${name}-390`);
    }
    await phone.close();
  });

  it('renders in dark mode', async () => {
    const page = watch(await context.newPage());
    await page.emulateMedia({ colorScheme: 'dark' });
    const darkness = () =>
      page.evaluate(() => {
        const [r, g, b] = (getComputedStyle(document.body).backgroundColor.match(/\d+/g) ?? []).map(Number);
        return ((r ?? 255) + (g ?? 255) + (b ?? 255)) / 3;
      });
    for (const [name, p] of [['overview', '/dashboard'], ['deployment', `/dashboard/deployments/${redeployedId}`], ['new', '/dashboard/new']] as const) {
      await page.goto(url(p));
      if (name === 'deployment') await waitForText(page, '#log .tx', XSS);
      if (name !== 'new') await streamUp(page);
      expect(await darkness(), name).toBeLessThan(40);
      await shot(page, `${name}-dark`);
    }
    await page.close();
  });

  it('cancels from the overview, by keyboard, after a confirmation', async () => {
    const page = watch(await context.newPage());
    await page.goto(url('/dashboard'));
    const row = `#deployments-body tr[data-id="${redeployedId}"]`;
    await waitForText(page, `${row} .badge`, 'running');
    await page.locator(`${row} button[data-action="cancel"]`).focus();
    await page.keyboard.press('Enter');
    await page.locator('#confirm-dialog[open]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#confirm-dialog[open]').waitFor({ state: 'detached' });
    expect((await cluster.deployment(redeployedId)).desired).toBe('running');

    // A row the server renders anew while a control in it has the focus: the focus moves with it.
    // (The row is edited here so that it differs; the page coming into view re-reads the lists.)
    await page.locator(`${row} button[data-action="cancel"]`).focus();
    await page.evaluate((sel) => {
      const cell = document.querySelector(`${sel} td[data-label="Instances"]`);
      if (cell) cell.textContent = 'edited';
      document.dispatchEvent(new Event('visibilitychange'));
    }, row);
    await waitForText(page, `${row} td[data-label="Instances"]`, '1 / 1');
    expect(await page.evaluate(() => [document.activeElement?.dataset.action, document.activeElement?.closest('tr')?.dataset.id])).toEqual(['cancel', redeployedId]);

    await page.locator(`${row} button[data-action="cancel"]`).focus();
    await page.keyboard.press('Enter');
    await page.locator('#confirm-yes').focus();
    await page.keyboard.press('Enter');
    await waitForText(page, `${row} .badge`, 'cancelled');
    expect(await page.locator(`${row} button[data-action="cancel"]`).isDisabled()).toBe(true);
    await page.close();
  });

  // ---- apps ----

  /** A busybox web server on 8080 saying `page`. */
  const webDockerfile = (page: string) => `FROM draas/busybox:local
EXPOSE 8080
CMD ["sh", "-c", "mkdir -p /tmp/www && echo ${page} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]`;
  const WEB_IMAGE = `draas-test/dash-web:${process.pid}`;
  const CRASH_IMAGE = `draas-test/dash-crash:${process.pid}`;
  interface AppJson {
    status: string;
    current: number | null;
    target: number | null;
    healthy: number;
    instances: { health: string | null; version: number }[];
  }
  const appJson = (name: string) => cluster.json<AppJson>(`/api/apps/${name}`);

  it('shows an app first on the overview and on its own page, live as versions come, and rolls it back', async () => {
    await buildTestImage(WEB_IMAGE, webDockerfile('hello from web'));
    const overview = watch(await context.newPage());
    await overview.goto(url('/dashboard'));
    await streamUp(overview);
    expect(await overview.locator('#apps-empty').isVisible()).toBe(true);

    // The first version: the overview learns of the app from the event stream, without a reload.
    const v1 = await cluster.deployImage({ image: WEB_IMAGE, app: 'web', replicas: 1 });
    expect(v1.app).toEqual({ name: 'web', version: 1 });
    const row = '#apps-body tr[data-id="web"]';
    await overview.locator(row).waitFor();
    expect(await overview.locator('#apps-empty').isHidden()).toBe(true);
    expect(await overview.locator(`${row} td[data-label="App"] a`).getAttribute('href')).toBe('/dashboard/apps/web');
    await waitForText(overview, `${row} td[data-label="Version"]`, 'v1');
    // Its instance shows as a dot once placed (its health, or its status while none is reported).
    await overview.locator(`${row} .hdot[title^="v1 #0 on ${AGENT}"]`).waitFor({ timeout: 60_000 });
    // The apps come first, above agents and deployments.
    expect(await overview.evaluate(() => [...document.querySelectorAll('tbody[id]')].map((el) => (el as unknown as { id: string }).id))).toEqual(['apps-body', 'agents-body', 'deployments-body']);
    await sameAsServer(overview, row, '/dashboard/fragments/apps?name=web');

    // The app page: v1, its deployment, its instance on the agent, and v1's log.
    const page = watch(await context.newPage());
    await page.goto(url('/dashboard/apps/web'));
    expect(await text(page, 'h1')).toContain('web');
    await waitForText(page, '#versions-body tr[data-id="1"] td[data-label="Version"]', 'v1');
    expect(await page.locator('#versions-body tr[data-id="1"] td[data-label="Deployment"] a').getAttribute('href')).toBe(`/dashboard/deployments/${v1.id}`);
    expect(await text(page, '#versions-body tr[data-id="1"] td[data-label="Image"]')).toBe(WEB_IMAGE);
    await waitForText(page, '#app-instances-body td[data-label="Agent"]', AGENT, 60_000);
    await waitForText(page, '#app-instances-body td[data-label="Status"] .badge', 'running', 60_000);
    expect(await page.locator('#a-log-of').getAttribute('data-id')).toBe(v1.id);
    await waitForText(page, '#log .tx', 'v1 of app web');
    await streamUp(page);
    await shot(page, 'app-v1');

    // A second version: the page and the overview follow it without a reload, and the log
    // switches to the version rolling out.
    await page.evaluate(() => (window.appNotReloaded = true));
    const v2 = await cluster.deployImage({ image: WEB_IMAGE, app: 'web' });
    expect(v2.app).toEqual({ name: 'web', version: 2 });
    await waitForText(page, '#versions-body tr[data-id="2"] td[data-label="Version"]', 'v2');
    await waitForText(page, '#a-version', 'v2');
    expect(await page.locator('#versions-body tr[data-id="2"] td[data-label="Deployment"] a').getAttribute('href')).toBe(`/dashboard/deployments/${v2.id}`);
    await page.locator(`#a-log-of[data-id="${v2.id}"]`).waitFor();
    await waitForText(page, '#log .tx', 'v2 of app web');
    expect(await page.locator('#log .tx', { hasText: 'v1 of app web' }).count()).toBe(0);
    await waitForText(overview, `${row} td[data-label="Version"]`, 'v2');
    await sameAsServer(overview, row, '/dashboard/fragments/apps?name=web');
    await shot(overview, 'overview-apps');
    expect(await page.evaluate(() => window.appNotReloaded)).toBe(true);
    for (const part of ['#a-head', '#a-versions', '#a-rollback']) await sameAsServer(page, part, '/dashboard/fragments/apps/web');

    // v2's deployment page says whose version it is.
    const deployment = watch(await context.newPage());
    await deployment.goto(url(`/dashboard/deployments/${v2.id}`));
    expect(await text(deployment, '#d-app')).toBe('v2 of app web');
    expect(await deployment.locator('#d-app a').getAttribute('href')).toBe('/dashboard/apps/web');
    await deployment.close();

    // Rollback to v1, behind a confirmation: the API answers 202 and v3 repeats v1, live.
    await page.selectOption('#rollback-version', '1');
    await page.click('#rollback');
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await text(page, '#confirm-title')).toBe('Roll back web?');
    await page.click('#confirm-yes');
    await waitForText(page, '#toasts', 'Rolling back web: v3 is rolling out');
    await waitForText(page, '#versions-body tr[data-id="3"]', 'rollback to v1');
    expect(await text(page, '#versions-body tr[data-id="3"] td[data-label="Image"]')).toBe(WEB_IMAGE);
    await shot(page, 'app-rollback');
    await overview.close();
    await page.close();
  });

  it('shows the API\'s refusal of a rollback with nothing to roll back to', async () => {
    // An app whose only version crashes: never healthy (with or without health reports: its port
    // never accepts a connection), so its rollout fails, nothing serves, and the API answers 409.
    await buildTestImage(CRASH_IMAGE, 'FROM draas/busybox:local\nEXPOSE 8080\nCMD ["sh", "-c", "sleep 1; exit 3"]');
    const crash = await cluster.deployImage({ image: CRASH_IMAGE, app: 'crashy', replicas: 1, restart: 'no' });
    const page = watch(await context.newPage());
    await page.goto(url('/dashboard/apps/crashy'));
    await page.locator(`#a-log-of[data-id="${crash.id}"]`).waitFor();
    await waitForText(page, '#a-status', 'failed', 90_000);
    await waitForText(page, '#versions-body tr[data-id="1"] .badge', 'failed');
    await page.click('#rollback');
    await page.click('#confirm-yes');
    await waitForText(page, '#toasts', 'Could not roll back crashy: app crashy has no serving version to roll back from');
    expect(await page.locator('#versions-body tr').count()).toBe(1);
    const overview = watch(await context.newPage());
    await overview.goto(url('/dashboard'));
    await waitForText(overview, '#apps-body tr[data-id="crashy"] .badge', 'failed');
    await overview.close();
    await page.close();
  });

  it('fits the app page and the overview\'s apps on a 390 px phone, light and dark', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState(), isMobile: true });
    phone.setDefaultTimeout(WAIT);
    const page = watch(await phone.newPage());
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(url('/dashboard/apps/web'));
      await waitForText(page, '#versions-body tr[data-id="3"]', 'v3');
      await streamUp(page);
      expect(await noHorizontalScroll(page), `app page, ${scheme}`).toBeLessThanOrEqual(390);
      await shot(page, `app-390-${scheme}`);
    }
    await page.goto(url('/dashboard'));
    await page.locator('#apps-body tr[data-id="web"]').waitFor();
    expect(await noHorizontalScroll(page), 'overview').toBeLessThanOrEqual(390);
    await phone.close();
  });

  it('answers a friendly 404 page for an unknown app', async () => {
    const page = watch(await context.newPage());
    const res = await page.goto(url('/dashboard/apps/nope'));
    expect(res?.status()).toBe(404);
    expect(await text(page, 'main')).toContain('There is no app nope');
    await page.close();
  });

  // Needs instances' health reports from the agents (being added separately): until an agent
  // reports health, no instance turns healthy and no rollout completes, so this test skips itself
  // when none of the app's instances ever reports a health at all. Once health is reported, every
  // assertion here is real.
  it('rolls an app out to healthy, shows each instance healthy, and rolls back to the previous healthy version', async (ctx) => {
    const v1 = await cluster.deployImage({ image: WEB_IMAGE, app: 'hello', replicas: 1 });
    let reported = false;
    const until = Date.now() + 20_000;
    while (Date.now() < until && !reported) {
      reported = (await appJson('hello')).instances.some((i) => i.health !== null);
      if (!reported) await new Promise((r) => setTimeout(r, 250));
    }
    if (!reported) {
      console.warn('no instance health is reported by the agent yet: the healthy-rollout assertions are skipped');
      ctx.skip();
      return;
    }
    const overview = watch(await context.newPage());
    await overview.goto(url('/dashboard'));
    const row = '#apps-body tr[data-id="hello"]';
    await waitForText(overview, `${row} .badge`, 'running', 60_000);
    await overview.locator(`${row} .hdot[data-state="healthy"]`).waitFor();
    expect(await text(overview, `${row} td[data-label="Health"] .sub`)).toBe('1/1 serving');

    const page = watch(await context.newPage());
    await page.goto(url('/dashboard/apps/hello'));
    await waitForText(page, '#a-healthy', '1 / 1');
    await waitForText(page, '#app-instances-body td[data-label="Health"] .badge', 'healthy');
    await waitForText(page, '#app-instances-body td[data-label="Router"]', 'serving');
    await waitForText(page, '#versions-body tr[data-id="1"] .badge', 'serving');

    // v2 rolls out live: progress on the overview, then v2 serves and v1 is replaced.
    const v2 = await cluster.deployImage({ image: WEB_IMAGE, app: 'hello' });
    await waitForText(page, '#versions-body tr[data-id="2"] .badge', 'serving', 90_000);
    await waitForText(page, '#versions-body tr[data-id="1"] .badge', 'replaced');
    await waitForText(page, '#a-status', 'running');
    // (While rolling out the cell reads "v1 → v2": wait for the rollout's end, live.)
    await expect.poll(() => text(overview, `${row} td[data-label="Version"]`), { timeout: WAIT }).toBe('v2');
    await expect.poll(() => text(overview, `${row} td[data-label="Rollout"]`), { timeout: WAIT }).toBe('—');
    await page.locator(`#a-log-of[data-id="${v2.id}"]`).waitFor();

    // The default rollback: the previous healthy version, v1, as v3.
    await page.click('#rollback');
    await page.click('#confirm-yes');
    await waitForText(page, '#toasts', 'Rolling back hello: v3 is rolling out');
    await waitForText(page, '#versions-body tr[data-id="3"]', 'rollback to v1');
    await waitForText(page, '#versions-body tr[data-id="3"] .badge', 'serving', 90_000);
    expect(v1.app).toEqual({ name: 'hello', version: 1 });
    await shot(page, 'app-healthy');
    await overview.close();
    await page.close();
  });

  it('destroys the apps and removes their test images', async () => {
    for (const name of ['web', 'crashy']) expect((await cluster.api(`/api/apps/${name}`, { method: 'DELETE' })).status, name).toBe(200);
    await cluster.api('/api/apps/hello', { method: 'DELETE' });
    for (const image of [WEB_IMAGE, CRASH_IMAGE]) await removeTestImage(image).catch(() => undefined);
  });

  it('shows an agent going offline without a reload', async () => {
    const page = watch(await context.newPage());
    await page.goto(url('/dashboard'));
    const badge = `#agents-body tr[data-id="${AGENT}"] .badge`;
    await waitForText(page, badge, 'online');
    await cluster.agents.get(AGENT)?.stop();
    await waitForText(page, badge, 'offline');
    expect(await text(page, '#stat-agents')).toBe('0 / 1');
    await sameAsServer(page, `#agents-body tr[data-id="${AGENT}"]`, `/dashboard/fragments/agents?id=${AGENT}`);
    await page.close();
  });

  it('raised no script error and no policy violation on any dashboard page', () => {
    expect(pageErrors).toEqual([]);
  });
});
