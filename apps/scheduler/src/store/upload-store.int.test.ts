// The uploaded archives on a real disk: an upload is only the deployment's archive once kept, removal
// takes either form, and the sweep takes old leftovers of deployments that are not live, nothing else.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadStore } from './upload-store.js';

const DAY_S = 24 * 3600;

describe('UploadStore', () => {
  let root: string;
  let dir: string;
  let uploads: UploadStore;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'draas-uploads-'));
    dir = path.join(root, 'uploads');
    uploads = new UploadStore(dir);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('receives into a part file that becomes the archive the builder reads only when kept', async () => {
    const receiving = await uploads.receivingPath('d1');
    writeFileSync(receiving, 'zip');
    expect(existsSync(uploads.archivePath('d1'))).toBe(false);
    await uploads.keep('d1');
    expect(readdirSync(dir)).toEqual(['d1.zip']);
    expect(uploads.archivePath('d1')).toBe(path.join(dir, 'd1.zip'));
  });

  it('removes a received upload and a kept one alike, and a missing one without complaint', async () => {
    writeFileSync(await uploads.receivingPath('part'), 'zip');
    writeFileSync(await uploads.receivingPath('kept'), 'zip');
    await uploads.keep('kept');
    for (const id of ['part', 'kept', 'never']) await uploads.remove(id);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('sweeps leftovers older than a day of deployments that are not live', async () => {
    mkdirSync(dir, { recursive: true });
    const old = Date.now() / 1000 - DAY_S - 60;
    for (const name of ['old.zip', 'old2.zip.part', 'live.zip', 'young.zip']) writeFileSync(path.join(dir, name), 'zip');
    for (const name of ['old.zip', 'old2.zip.part', 'live.zip']) utimesSync(path.join(dir, name), old, old);
    const removed = await uploads.sweep(new Set(['live']));
    expect(removed.sort()).toEqual([path.join(dir, 'old.zip'), path.join(dir, 'old2.zip.part')]);
    expect(readdirSync(dir).sort()).toEqual(['live.zip', 'young.zip']);
  });

  it('sweeps nothing when the folder does not exist yet', async () => {
    expect(await uploads.sweep(new Set())).toEqual([]);
  });
});
