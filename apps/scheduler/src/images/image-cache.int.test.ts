// The scheduler's image cache against the real engine: a tar per content id that `docker load`
// takes back as the same image, one save however many ask at once, and the size bound.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../logger.js';
import { ImageCache } from './image-cache.js';

const run = promisify(execFile);
const infraMissing = inject('infraMissing');
const docker = new Docker();

async function build(tag: string, content: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-cache-img-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM draas/busybox:local\nRUN echo ${content} > /content\nLABEL draas.test=true\n`);
    await run('docker', ['build', '-q', '-t', tag, dir]);
    return (await docker.getImage(tag).inspect()).Id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(infraMissing !== null)('ImageCache (real Docker)', () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const tags = [`draas-test/cache-a:${suffix}`, `draas-test/cache-b:${suffix}`];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-cache-'));
  let ids: string[];

  beforeAll(async () => {
    ids = [await build(tags[0] as string, 'a'), await build(tags[1] as string, 'b')];
  });
  afterAll(async () => {
    for (const tag of tags) await run('docker', ['rmi', '-f', tag]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves once for many callers; the tar loads back as the same image', async () => {
    // The scheduler's own log says each time it saves an image.
    const logLines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    const cache = new ImageCache(docker, path.join(dir, 'one'), 10 * 1024 ** 3, logger);
    const [a] = ids as [string];
    const answers = await Promise.all(Array.from({ length: 5 }, () => cache.get(a)));
    expect(new Set(answers.map((x) => x?.file)).size).toBe(1);
    expect(logLines.filter((l) => l.includes('image saved for agents to download'))).toHaveLength(1);
    await cache.get(a);
    expect(logLines.filter((l) => l.includes('image saved for agents to download'))).toHaveLength(1);
    expect(readdirSync(path.join(dir, 'one'))).toEqual([`${a.slice(7)}.tar`]);
    const { stdout } = await run('sh', ['-c', `docker load -i ${answers[0]?.file}`]);
    expect(stdout).toContain(a);
    expect(await cache.get(`sha256:${'0'.repeat(64)}`)).toBeNull();
  });

  it('streams a first save to its asker as the engine writes it, and caches it even when the asker hangs up', async () => {
    const [, b] = ids as [string, string];
    const cache = new ImageCache(docker, path.join(dir, 'live'), 10 * 1024 ** 3, createLogger('silent'));
    const first = await cache.open(b);
    expect(first?.bytes).toBeNull();
    const body = await buffer(first?.stream as NodeJS.ReadableStream);
    const saved = await cache.get(b);
    expect(body.length).toBe(saved?.bytes);
    expect(readFileSync(saved?.file as string).equals(body)).toBe(true);
    const again = await cache.open(b);
    expect(again?.bytes).toBe(body.length);
    again?.stream.destroy();

    const other = new ImageCache(docker, path.join(dir, 'hang-up'), 10 * 1024 ** 3, createLogger('silent'));
    const abandoned = await other.open(b);
    abandoned?.stream.destroy();
    const complete = await other.get(b);
    expect(readFileSync(complete?.file as string).equals(body)).toBe(true);
    expect(await other.open(`sha256:${'0'.repeat(64)}`)).toBeNull();
  });

  it('keeps to its size: the least recently served tar goes first', async () => {
    const [a, b] = ids as [string, string];
    const probe = new ImageCache(docker, path.join(dir, 'probe'), 10 * 1024 ** 3, createLogger('silent'));
    const one = (await probe.get(a))?.bytes as number;
    // Room for one image and a bit, not two.
    const cache = new ImageCache(docker, path.join(dir, 'small'), Math.round(one * 1.5), createLogger('silent'));
    await cache.get(a);
    await cache.get(b);
    expect(readdirSync(path.join(dir, 'small'))).toEqual([`${b.slice(7)}.tar`]);
    await cache.get(a);
    expect(readdirSync(path.join(dir, 'small'))).toEqual([`${a.slice(7)}.tar`]);
  });
});
