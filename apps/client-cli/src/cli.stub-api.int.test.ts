import { DeploymentView } from '@draas/queue-contracts';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import unzipper from 'unzipper';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draas, ID, instance, line, runningView, sendJson, SPAWN_TIMEOUT_MS, sse, startStubApi, TOKEN, URL_OF_APP, view, type Route, type StubApi } from './testing/stub-api.js';

// The real `draas` binary (bin/draas.js, through tsx) against a STUB of the scheduler's HTTP API: a
// throwaway node:http server that implements just enough of docs/API.md to exercise the CLI's HTTP
// side (multipart upload, SSE, polling, errors). It is not the scheduler and tests nothing of it.

const happyStream: Route = (req, res, url) => {
  if (!(url.pathname === `/api/deployments/${ID}/logs` && url.searchParams.get('follow') === '1')) return false;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  sse(res, 'status', view({ status: 'building' }));
  sse(res, 'log', line('1-0', 'Step 1/2 : FROM nginx'), '1-0');
  res.write(': keep-alive\n\n');
  sse(res, 'log', line('2-0', 'Successfully built abc'), '2-0');
  sse(res, 'status', view({ status: 'scheduled', instances: [instance('starting')] }));
  sse(res, 'log', line('3-0', 'listening on 8080', 'run'), '3-0');
  sse(res, 'status', runningView);
  return true;
};

let tmp: string;
let app: string;
let stub: StubApi | null = null;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'draas-cli-test-'));
  app = path.join(tmp, 'my-app');
  await mkdir(app);
  await writeFile(path.join(app, 'Dockerfile'), 'FROM nginx:alpine\nCOPY . /usr/share/nginx/html\n');
  await writeFile(path.join(app, 'index.html'), '<h1>hi</h1>');
  await writeFile(path.join(app, '.dockerignore'), 'secret.txt\n');
  await writeFile(path.join(app, 'secret.txt'), 'do not upload');
});
afterEach(async () => {
  await stub?.close();
  stub = null;
  await rm(tmp, { recursive: true, force: true });
});

const zipEntries = async (zip: Buffer) => (await unzipper.Open.buffer(zip)).files.map((f) => f.path).sort();

describe('draas deploy (against a stub of the API)', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('uploads the zipped folder with the flags as fields, follows the stream and prints the URL', async () => {
    stub = await startStubApi(happyStream);
    const run = await draas(['deploy', app, '--env', 'GREETING=hi', '--env', 'FROM_SHELL', '-p', '8080', '--constraint', 'zone=eu', '--memory', '128m'], {
      DRAAS_URL: stub.url,
      FROM_SHELL: 'shell-value',
    });

    expect(run.stderr).not.toContain(TOKEN);
    expect(run.code, run.stderr).toBe(0);
    const [upload] = stub.uploads;
    expect(upload?.archiveName).toBe('my-app.zip');
    expect(upload?.fields).toEqual({
      env: JSON.stringify({ GREETING: 'hi', FROM_SHELL: 'shell-value' }),
      ports: '[8080]',
      constraints: '["zone=eu"]',
      memory: '128m',
    });
    expect(await zipEntries(upload!.archive)).toEqual(['.dockerignore', 'Dockerfile', 'index.html']);

    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toContain('[build] Step 1/2 : FROM nginx');
    expect(lines).toContain('[run:0] listening on 8080');
    expect(lines.slice(-2)).toEqual([`✔ running: my-app (${ID})`, URL_OF_APP]);
    expect(run.stderr).toMatch(/uploading my-app\.zip .*\n.*uploaded/);
  });

  it('sends a .zip byte for byte as it is', async () => {
    stub = await startStubApi(happyStream);
    const zip = path.join(tmp, 'site.zip');
    await writeFile(zip, await readFile(await makeZipOf(app)));
    const run = await draas(['deploy', zip], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(stub.uploads[0]?.archive.equals(await readFile(zip))).toBe(true);
    expect(stub.uploads[0]?.archiveName).toBe('site.zip');
  });

  it('--json prints exactly one JSON object, the final deployment, and sends the logs to stderr', async () => {
    stub = await startStubApi(happyStream);
    const run = await draas(['deploy', app, '--json'], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(DeploymentView.parse(JSON.parse(run.stdout))).toEqual(runningView);
    expect(run.stderr).toContain('[build] Step 1/2 : FROM nginx');
  });

  it('reports a failed build with its last lines and exits 1', async () => {
    stub = await startStubApi((req, res, url) => {
      if (url.searchParams.get('follow') !== '1') return false;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'status', view({ status: 'building' }));
      sse(res, 'log', line('1-0', 'RUN npm ci'), '1-0');
      sse(res, 'log', line('2-0', 'npm ERR! missing package.json'), '2-0');
      sse(res, 'end', view({ status: 'failed', error: 'the build failed: RUN npm ci returned 1' }));
      res.end();
      return true;
    });
    const run = await draas(['deploy', app], { DRAAS_URL: stub.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`✖ failed: my-app (${ID}): the build failed: RUN npm ci returned 1`);
    expect(run.stderr).toMatch(/last build lines:\n {2}RUN npm ci\n {2}npm ERR! missing package.json/);
    expect(run.stdout).not.toContain('✔');
  });

  it('resumes a broken stream with Last-Event-ID', async () => {
    let connections = 0;
    stub = await startStubApi((req, res, url) => {
      if (url.searchParams.get('follow') !== '1') return false;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (++connections === 1) {
        // The connection drops mid-build, in the middle of the second event, once the bytes have left.
        const first = `event: log\nid: 1-0\ndata: ${JSON.stringify(line('1-0', 'first line'))}\n\n`;
        res.write(`${first}event: log\nid: 2-0\ndata: {"id":"2-0","ti`, () => res.destroy());
        return true;
      }
      sse(res, 'log', line('2-0', 'second line'), '2-0');
      sse(res, 'status', runningView);
      return true;
    });
    const run = await draas(['deploy', app], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(stub.lastEventIds).toEqual([null, '1-0']);
    expect(run.stdout).toMatch(/first line\n.*second line/);
    expect(run.stderr).toContain('reconnecting');
  });

  it('polls the deployment and its log when the server offers no stream (406)', async () => {
    let polls = 0;
    stub = await startStubApi((req, res, url) => {
      if (url.searchParams.get('follow') === '1') {
        sendJson(res, 406, { error: { code: 'not_acceptable', message: 'no SSE here' } });
        return true;
      }
      if (url.pathname === `/api/deployments/${ID}`) {
        sendJson(res, 200, ++polls < 3 ? view({ status: 'building' }) : runningView);
        return true;
      }
      if (url.pathname === `/api/deployments/${ID}/logs`) {
        const after = url.searchParams.get('after');
        const lines = after === null ? [line('1-0', 'building…')] : after === '1-0' && polls >= 2 ? [line('2-0', 'built')] : [];
        sendJson(res, 200, { lines, next: lines.at(-1)?.id ?? after });
        return true;
      }
      return false;
    });
    const run = await draas(['deploy', app], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\[build\] building…\n(.*\n)*\[build\] built\n/);
    expect(stub.requests).toContain(`GET /api/deployments/${ID}/logs?after=1-0&limit=1000`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(URL_OF_APP);
  });

  it('on Ctrl-C stops following, says how to cancel, and exits 130', async () => {
    stub = await startStubApi((req, res, url) => {
      if (url.searchParams.get('follow') !== '1') return false;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'log', line('1-0', 'a slow build starts'), '1-0');
      return true; // and never ends
    });
    const run = await draas(['deploy', app], { DRAAS_URL: stub.url }, (stdout, kill) => {
      if (stdout.includes('a slow build starts')) kill();
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(`draas cancel ${ID}`);
    expect(stub.requests.some((r) => r.includes('/cancel'))).toBe(false);
  });

  it('gives up after --timeout, saying the deployment goes on', async () => {
    stub = await startStubApi((req, res, url) => {
      if (url.searchParams.get('follow') !== '1') return false;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'status', view({ status: 'pending' }));
      return true; // no agent ever fits
    });
    const run = await draas(['deploy', app, '--timeout', '1'], { DRAAS_URL: stub.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('[status] pending (no agent fits yet');
    expect(run.stderr).toContain(`still pending after 1 s; deployment ${ID} goes on.`);
  });

  it('--detach prints the id after the 202; --image sends JSON', async () => {
    stub = await startStubApi(() => false);
    const run = await draas(['deploy', '--image', 'nginx:1.27', '--replicas', '2', '--detach'], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${ID}\n`);
    expect(stub.jsonBodies).toEqual([{ image: 'nginx:1.27', replicas: 2 }]);
  });

  it('refuses bad flags before sending anything', async () => {
    stub = await startStubApi(() => false);
    const run = await draas(['deploy', app, '--memory', 'lots', '--port', '0'], { DRAAS_URL: stub.url });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--port: .*--memory: memory "lots"/);
    expect(stub.requests).toEqual([]);
  });
});

describe('errors (against a stub of the API)', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('explains a refused token in one line', async () => {
    stub = await startStubApi(() => false);
    const run = await draas(['ls'], { DRAAS_URL: stub.url, DRAAS_TOKEN: 'wrong' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('draas: the scheduler refused the token (401); set DRAAS_TOKEN or run npm start to write .draas/token\n');
  });

  it('explains an unreachable scheduler', async () => {
    stub = await startStubApi(() => false);
    const { url } = stub;
    await stub.close();
    stub = null;
    const run = await draas(['status', ID], { DRAAS_URL: url });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`draas: cannot reach the scheduler at ${url}: connection refused; is it running? (set DRAAS_URL)\n`);
  });

  it("passes the API's error message on, with its status and code", async () => {
    stub = await startStubApi(() => false);
    const run = await draas(['status', 'zzzzzzzzzzzz'], { DRAAS_URL: stub.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('draas: no route /api/deployments/zzzzzzzzzzzz (404 not_found)\n');
  });

  it('refuses an answer that breaks the contract', async () => {
    stub = await startStubApi((req, res) => (sendJson(res, 200, { deployments: [{ id: 'nope' }] }), true));
    const run = await draas(['ls'], { DRAAS_URL: stub.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^draas: unexpected answer from the scheduler \(GET \/api\/deployments\): deployments\.0\./);
  });
});

describe('other commands (against a stub of the API)', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('ls prints a table, and --json one array', async () => {
    stub = await startStubApi((req, res, url) => (url.pathname === '/api/deployments' ? (sendJson(res, 200, { deployments: [runningView] }), true) : false));
    const table = await draas(['ls'], { DRAAS_URL: stub.url });
    expect(table.code, table.stderr).toBe(0);
    const [header, row] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+INSTANCES\s+URLS\s+AGE$/);
    expect(row).toMatch(new RegExp(`^${ID}\\s+my-app\\s+running\\s+1/1\\s+${URL_OF_APP}\\s+\\d+d$`));
    const json = await draas(['ls', '--json'], { DRAAS_URL: stub.url });
    expect(JSON.parse(json.stdout)).toEqual([runningView]);
  });

  it('logs prints the history bare, filtered by --since', async () => {
    const old = { ...line('1-0', 'old line'), time: Date.now() - 3_600_000 };
    const recent = { ...line('2-0', 'recent line', 'run'), time: Date.now() - 60_000 };
    stub = await startStubApi((req, res, url) => (url.pathname.endsWith('/logs') ? (sendJson(res, 200, { lines: [old, recent], next: '2-0' }), true) : false));
    const all = await draas(['logs', ID], { DRAAS_URL: stub.url });
    expect(all.stdout).toBe('old line\nrecent line\n');
    const since = await draas(['logs', ID, '--since', '10m'], { DRAAS_URL: stub.url });
    expect(since.stdout).toBe('recent line\n');
  });

  it('logs -f prints the replayed and live lines bare and stops at the end event', async () => {
    stub = await startStubApi((req, res, url) => {
      if (url.searchParams.get('follow') !== '1') return false;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      sse(res, 'status', runningView);
      sse(res, 'log', line('1-0', 'built'), '1-0');
      sse(res, 'log', line('2-0', 'GET / 200', 'run'), '2-0');
      sse(res, 'end', view({ status: 'exited', instances: [{ ...instance('exited'), exitCode: 0 }] }));
      return true; // left open: the CLI must stop on `end` by itself
    });
    const run = await draas(['logs', '-f', ID], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('built\nGET / 200\n');
    expect(run.stderr).toContain('has ended: exited');
  });

  it('status shows the details and an instances table', async () => {
    stub = await startStubApi((req, res, url) => (url.pathname === `/api/deployments/${ID}` ? (sendJson(res, 200, runningView), true) : false));
    const run = await draas(['status', ID], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^id +k2h4x9q0m1ab\nname +my-app\nstatus +running\n/);
    expect(run.stdout).toMatch(/INSTANCE +ATTEMPT +AGENT +STATUS +URLS +EXIT +UPDATED +ERROR\n0 +1 +agent-a +running +http:\/\/127\.0\.0\.1:32771 +- +\d+d\n/);
  });

  it('cancel posts to the cancel route', async () => {
    stub = await startStubApi((req, res, url) =>
      req.method === 'POST' && url.pathname === `/api/deployments/${ID}/cancel` ? (sendJson(res, 202, view({ status: 'cancelled', desired: 'cancelled' })), true) : false,
    );
    const run = await draas(['cancel', ID], { DRAAS_URL: stub.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`cancelled: my-app (${ID})\n`);
  });
});

/** A zip of `folder` made by the CLI itself (deploy --detach against a stub that keeps it). */
async function makeZipOf(folder: string): Promise<string> {
  const keeper = await startStubApi(() => false);
  try {
    await draas(['deploy', folder, '--detach'], { DRAAS_URL: keeper.url });
    const out = path.join(tmp, 'made.zip');
    await writeFile(out, keeper.uploads[0]!.archive);
    return out;
  } finally {
    await keeper.close();
  }
}
