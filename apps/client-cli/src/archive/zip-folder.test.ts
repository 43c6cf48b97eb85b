import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import unzipper from 'unzipper';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors/usage-error.js';
import { prepareArchive } from './prepare-archive.js';
import { zipFolder } from './zip-folder.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'draas-zip-test-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Creates files (a trailing `/` makes an empty folder). */
async function makeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(root, name);
    if (name.endsWith('/')) await mkdir(target, { recursive: true });
    else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** The zip's entries as the scheduler will read them: name → content (or `-> target` for links). */
async function readZip(zipPath: string): Promise<Record<string, string>> {
  const directory = await unzipper.Open.file(zipPath);
  const out: Record<string, string> = {};
  for (const file of directory.files) {
    const content = file.type === 'Directory' ? '' : (await file.buffer()).toString();
    const isLink = ((file.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
    out[file.path] = isLink ? `-> ${content}` : content;
  }
  return out;
}

describe('zipFolder', () => {
  it('honours .dockerignore with Docker semantics, and always sends Dockerfile and .dockerignore', async () => {
    const app = path.join(tmp, 'my-app');
    await makeTree(app, {
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': ['# build output and secrets', 'node_modules', '*.log', '!keep.log', 'dist/*', '!dist/public', 'Dockerfile', '.dockerignore', '.env'].join('\n'),
      'index.js': 'console.log(1)',
      'keep.log': 'kept by !keep.log',
      'debug.log': 'ignored by *.log',
      'sub/deep.log': '*.log matches at the root only, as in Docker',
      'node_modules/lib/index.js': 'ignored folder',
      'dist/bundle.js': 'ignored by dist/*',
      'dist/public/app.css': 're-included by !dist/public',
      '.env': 'SECRET=1',
      'empty/': '',
    });

    const zip = await zipFolder(app);
    try {
      const entries = await readZip(zip.path);
      expect(Object.keys(entries).sort()).toEqual([
        '.dockerignore',
        'Dockerfile',
        'dist/',
        'dist/public/',
        'dist/public/app.css',
        'empty/',
        'index.js',
        'keep.log',
        'sub/',
        'sub/deep.log',
      ]);
      expect(entries['Dockerfile']).toBe('FROM scratch\n');
      expect(entries['dist/public/app.css']).toBe('re-included by !dist/public');
      expect(zip.entries).toBe(10);
      expect(path.basename(zip.path)).toBe('my-app.zip');
    } finally {
      await zip.cleanup();
    }
  });

  it('sends everything when there is no .dockerignore', async () => {
    await makeTree(tmp, { Dockerfile: 'FROM scratch', 'a/b/c.txt': 'c', '.hidden': 'h' });
    const zip = await zipFolder(tmp);
    expect(Object.keys(await readZip(zip.path)).sort()).toEqual(['.hidden', 'Dockerfile', 'a/', 'a/b/', 'a/b/c.txt']);
    await zip.cleanup();
  });

  it('stores the mode of every file and folder, as the scheduler keeps them', async () => {
    await makeTree(tmp, { Dockerfile: 'FROM scratch', 'bin/start.sh': '#!/bin/sh', 'private/key': 'k' });
    await chmod(path.join(tmp, 'bin/start.sh'), 0o755);
    await chmod(path.join(tmp, 'private/key'), 0o600);
    await chmod(path.join(tmp, 'private'), 0o700);
    const zip = await zipFolder(tmp);
    const modes = Object.fromEntries((await unzipper.Open.file(zip.path)).files.map((f) => [f.path, (f.externalFileAttributes >>> 16) & 0o777]));
    await zip.cleanup();
    expect(modes).toMatchObject({ 'bin/start.sh': 0o755, 'private/': 0o700, 'private/key': 0o600 });
  });

  it('keeps links inside the folder as links and skips, with a reason, those leading outside', async () => {
    const app = path.join(tmp, 'app');
    await makeTree(app, { Dockerfile: 'FROM scratch', 'config/real.json': '{}' });
    await makeTree(tmp, { 'outside.txt': 'secret' });
    await symlink('config/real.json', path.join(app, 'relative-link'));
    await symlink(path.join(app, 'config'), path.join(app, 'absolute-link-to-dir'));
    await symlink('../outside.txt', path.join(app, 'escaping-link'));
    await symlink(path.join(tmp, 'outside.txt'), path.join(app, 'absolute-escaping-link'));
    await symlink('escaping-link', path.join(app, 'chain-through-escaping-link'));

    const skipped: string[] = [];
    const zip = await zipFolder(app, { onSkip: (rel) => skipped.push(rel) });
    const entries = await readZip(zip.path);
    await zip.cleanup();

    expect(entries['relative-link']).toBe('-> config/real.json');
    expect(entries['absolute-link-to-dir']).toBe('-> config');
    expect(Object.keys(entries)).not.toContain('escaping-link');
    expect(Object.keys(entries)).not.toContain('absolute-escaping-link');
    expect(Object.keys(entries)).not.toContain('chain-through-escaping-link');
    expect(skipped.sort()).toEqual(['absolute-escaping-link', 'chain-through-escaping-link', 'escaping-link']);
  });

  it('refuses a folder without a Dockerfile, saying what to do', async () => {
    await makeTree(tmp, { 'index.js': '', 'dockerfile.txt': '' });
    await expect(zipFolder(tmp)).rejects.toThrow(UsageError);
    await expect(zipFolder(tmp)).rejects.toThrow(/has no Dockerfile at its root.*add one.*--image/);
  });

  it('removes its temporary zip on cleanup', async () => {
    await makeTree(tmp, { Dockerfile: 'FROM scratch' });
    const zip = await zipFolder(tmp);
    await zip.cleanup();
    await expect(readZip(zip.path)).rejects.toThrow();
  });
});

describe('prepareArchive', () => {
  it('takes a zip as it is, by its signature', async () => {
    await makeTree(tmp, { 'src/Dockerfile': 'FROM scratch' });
    const zip = await zipFolder(path.join(tmp, 'src'));
    const prepared = await prepareArchive(zip.path);
    expect(prepared).toMatchObject({ path: zip.path, bytes: zip.bytes, zipped: false, filename: 'src.zip' });
    await zip.cleanup();
  });

  it('refuses what is neither a folder nor a zip', async () => {
    await makeTree(tmp, { 'notes.zip': 'not really a zip' });
    await expect(prepareArchive(path.join(tmp, 'notes.zip'))).rejects.toThrow(/neither a folder nor a \.zip/);
    await expect(prepareArchive(path.join(tmp, 'missing'))).rejects.toThrow(/does not exist/);
  });
});
