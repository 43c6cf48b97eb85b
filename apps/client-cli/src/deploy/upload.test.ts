import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { multipartUpload } from './upload.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'draas-upload-test-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('multipartUpload', () => {
  it('streams a body whose counted size is exactly the announced total, with the archive intact', async () => {
    const archive = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < archive.length; i++) archive[i] = (i * 31) % 251;
    const file = path.join(tmp, 'app.zip');
    await writeFile(file, archive);

    const reports: number[] = [];
    const fields = { name: 'web', env: '{"GREETING":"héllo"}', ports: '[8080]' };
    const upload = await multipartUpload(file, 'app.zip', fields, (sent) => reports.push(sent));
    expect(upload.contentType).toMatch(/^multipart\/form-data; boundary=/);

    const body = Buffer.from(await new Response(upload.body).arrayBuffer());
    expect(body.length).toBe(upload.totalBytes);
    // Progress came in many steps, growing, and ended on the whole body.
    expect(reports.length).toBeGreaterThan(3);
    expect(reports).toEqual([...reports].sort((a, b) => a - b));
    expect(reports.at(-1)).toBe(upload.totalBytes);

    const form = await new Response(body, { headers: { 'content-type': upload.contentType } }).formData();
    expect(form.get('name')).toBe('web');
    expect(form.get('env')).toBe('{"GREETING":"héllo"}');
    expect(form.get('ports')).toBe('[8080]');
    const sent = form.get('archive') as File;
    expect(sent.name).toBe('app.zip');
    expect(Buffer.from(await sent.arrayBuffer()).equals(archive)).toBe(true);
    // The options come before the archive, so a server can refuse them before reading megabytes.
    expect(body.indexOf('name="ports"')).toBeLessThan(body.indexOf('name="archive"'));
  });
});
