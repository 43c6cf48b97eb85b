// File modes survive the trip from the user's folder to the container, whichever way the archive was
// made: a Dockerfile that COPYs a script (or a static binary into FROM scratch) and runs it must start.
// Each app prints the modes it sees; the test reads them through the app's URL, as a user would.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeploymentView } from '@draas/queue-contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { zipFolder as cliZipFolder } from '../apps/client-cli/src/archive/zip-folder.js';
import { startCluster, waitFor, zipForm, type Cluster } from './harness.js';

const run = promisify(execFile);
const infraMissing = inject('infraMissing');

/** What the start script reports: each path and its permission bits, as `stat -c '%n %a'` prints them. */
const REPORTED = ['bin', 'bin/start.sh', 'data.txt', 'private.txt', 'tool'];
const START_SH = `#!/bin/sh
mkdir -p /tmp/www
cd /opt/app && stat -c '%n %a' ${REPORTED.join(' ')} > /tmp/www/index.html
exec httpd -f -p 8080 -h /tmp/www
`;

/** A folder whose Dockerfile runs a script straight from the context (exec form: no `sh` in front). */
function makeAppFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-modes-'));
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM draas/busybox:local\nCOPY . /opt/app\nEXPOSE 8080\nCMD ["/opt/app/bin/start.sh"]\n');
  mkdirSync(path.join(dir, 'bin'));
  mkdirSync(path.join(dir, 'tool'));
  writeFileSync(path.join(dir, 'bin/start.sh'), START_SH);
  writeFileSync(path.join(dir, 'data.txt'), 'data\n');
  writeFileSync(path.join(dir, 'private.txt'), 'private\n');
  writeFileSync(path.join(dir, 'tool/README'), 'x\n');
  // setuid is not kept (README, "What a build context keeps"): the script runs without it.
  chmodSync(path.join(dir, 'bin/start.sh'), 0o4755);
  chmodSync(path.join(dir, 'data.txt'), 0o644);
  chmodSync(path.join(dir, 'private.txt'), 0o600);
  chmodSync(path.join(dir, 'tool'), 0o750);
  chmodSync(path.join(dir, 'bin'), 0o755);
  return dir;
}

const EXPECTED = 'bin 755\nbin/start.sh 755\ndata.txt 644\nprivate.txt 600\ntool 750\n';

/** Python's zipfile, the way scripts and many tools write archives (ZipFile.write keeps st_mode). */
const PYTHON_ZIP = `
import os, sys, zipfile
src, out, windows = sys.argv[1], sys.argv[2], sys.argv[3] == '1'
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(src):
        for name in sorted(dirs) + sorted(files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, src)
            if not windows:
                z.write(full, rel)
                continue
            # What Windows tools write: no Unix attributes at all.
            info = zipfile.ZipInfo(rel + ('/' if os.path.isdir(full) else ''))
            info.create_system = 0
            info.external_attr = 0x10 if os.path.isdir(full) else 0x20
            z.writestr(info, b'' if os.path.isdir(full) else open(full, 'rb').read())
`;

async function pythonZip(folder: string, windows: boolean): Promise<Buffer> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'draas-pyzip-')), 'app.zip');
  await run('python3', ['-c', PYTHON_ZIP, folder, out, windows ? '1' : '0']);
  return readFileSync(out);
}

async function infoZip(folder: string, flags: string[] = []): Promise<Buffer> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'draas-zip-')), 'app.zip');
  await run('zip', ['-qr', ...flags, out, '.'], { cwd: folder });
  return readFileSync(out);
}

async function cliZip(folder: string): Promise<Buffer> {
  const zipped = await cliZipFolder(folder);
  try {
    return readFileSync(zipped.path);
  } finally {
    await zipped.cleanup();
  }
}

describe.skipIf(infraMissing !== null)('file modes in the build context', () => {
  let cluster: Cluster;
  let folder: string;

  beforeAll(async () => {
    cluster = await startCluster(inject('redisUrl'));
    await cluster.startAgent('modes');
    folder = makeAppFolder();
  });
  afterAll(async () => {
    await cluster?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  /** Deploys the ZIP, waits until it runs (or fails: then the error is the assertion), returns its page. */
  async function pageOf(zip: Buffer): Promise<string> {
    const created = await cluster.upload(zip);
    const done = await cluster.waitForDeployment(created.id, (d) => d.status === 'running' || d.status === 'failed', 'running');
    expect(done.error).toBeNull();
    return fetchPage(done);
  }

  const fetchPage = (d: DeploymentView): Promise<string> =>
    waitFor('the app to answer', async () => {
      const res = await fetch(d.urls[0] as string, { signal: AbortSignal.timeout(3000) });
      return res.ok ? res.text() : null;
    }, 15_000, 100);

  it.each([
    ['the CLI (draas deploy <folder>)', cliZip],
    ['zip -r', infoZip],
    ["Python's zipfile", (dir: string) => pythonZip(dir, false)],
  ])('keeps the rwx bits of a ZIP made by %s; the script runs', async (_name, makeZip) => {
    expect(await pageOf(await makeZip(folder))).toBe(EXPECTED);
  });

  it('gives a ZIP without Unix modes (Windows tools) Docker\'s default, rwxr-xr-x', async () => {
    expect(await pageOf(await pythonZip(folder, true))).toBe('bin 755\nbin/start.sh 755\ndata.txt 755\nprivate.txt 755\ntool 755\n');
  });

  it('keeps them through the original /upload_code route', async () => {
    // Other bytes than the zip -r test's (-X: no uid/gid fields), so it is built again, not reused.
    const zip = await infoZip(folder, ['-X']);
    const res = await cluster.api('/upload_code', { method: 'POST', body: zipForm(zip, {}, 'code', 'app.zip') });
    expect(res.status).toBe(200);
    const deployed = (await res.json()) as { mapped_ports: Record<string, { HostIp: string; HostPort: string }[]> };
    const binding = deployed.mapped_ports['8080/tcp']?.[0];
    const page = await waitFor('the app to answer', async () => {
      const r = await fetch(`http://127.0.0.1:${binding?.HostPort}/`, { signal: AbortSignal.timeout(3000) });
      return r.ok ? r.text() : null;
    }, 15_000, 100);
    expect(page).toBe(EXPECTED);
  });

  it('runs a static binary copied into FROM scratch', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-scratch-'));
    try {
      copyFileSync('/bin/busybox', path.join(dir, 'busybox'));
      chmodSync(path.join(dir, 'busybox'), 0o755);
      writeFileSync(path.join(dir, 'index.html'), 'static binary ok\n');
      writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY index.html /www/index.html\nEXPOSE 8080\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]\n');
      expect(await pageOf(await cliZip(dir))).toBe('static binary ok\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
