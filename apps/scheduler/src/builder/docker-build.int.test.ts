// dockerBuild against the real engine: every output line reaches the caller within the line cap (a
// build step printing one huge line is shipped in marked pieces, not held whole), and a failing, a
// slow and a cancelled build are told apart.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { LINE_CUT_MARKER, MAX_LINE_CHARS } from '@draas/queue-contracts/runtime';
import Docker from 'dockerode';
import { pack } from 'tar-fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dockerBuild, type BuildOptions, type BuildOutcome } from './docker-build.js';

const run = promisify(execFile);
const infraMissing = inject('infraMissing');
const docker = new Docker();

describe.skipIf(infraMissing !== null)('dockerBuild (real Docker)', () => {
  const suffix = randomBytes(4).toString('hex');
  const tags: string[] = [];
  const dirs: string[] = [];

  afterAll(async () => {
    for (const tag of tags) await run('docker', ['rmi', '-f', tag]).catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Builds a one-file context; the nonce keeps the engine from answering from its cache. */
  async function build(steps: string, options: Partial<BuildOptions> = {}): Promise<{ outcome: BuildOutcome; lines: string[] }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-build-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM draas/busybox:local\nRUN echo ${suffix}-${tags.length} >/dev/null\n${steps}\n`);
    const tag = `draas-test/build-${suffix}:${tags.length}`;
    tags.push(tag);
    const lines: string[] = [];
    const outcome = await dockerBuild(
      docker,
      Readable.from(pack(dir)),
      {
        tag,
        dockerfile: 'Dockerfile',
        memoryBytes: 256 * 1024 * 1024,
        timeoutMs: 120_000,
        labels: { 'draas.test': 'true' },
        signal: new AbortController().signal,
        ...options,
      },
      (batch) => lines.push(...batch),
    );
    return { outcome, lines };
  }

  it('ships an 8 MiB line without newline in pieces within the cap, each but the last marked', async () => {
    const size = 8 * 1024 * 1024;
    // The newline comes only after all 8 MiB (so the total content is exact).
    const { outcome, lines } = await build(`RUN head -c ${size} /dev/zero | tr '\\0' a && echo`);
    expect(outcome).toEqual({ ok: true });
    const tooLong = lines.filter((line) => line.length > MAX_LINE_CHARS + LINE_CUT_MARKER.length);
    expect(tooLong.map((line) => line.length)).toEqual([]);
    const pieces = lines.filter((line) => /^a+$/.test(line.endsWith(LINE_CUT_MARKER) ? line.slice(0, -LINE_CUT_MARKER.length) : line));
    expect(pieces.length).toBeGreaterThanOrEqual(size / MAX_LINE_CHARS);
    expect(pieces.slice(0, -1).every((piece) => piece.endsWith(LINE_CUT_MARKER))).toBe(true);
    expect(pieces.at(-1)?.endsWith(LINE_CUT_MARKER)).toBe(false);
    expect(pieces.join('').replaceAll(LINE_CUT_MARKER, '')).toBe('a'.repeat(size));
    expect(lines.some((line) => line.startsWith('Successfully built'))).toBe(true);
  });

  it("reports a failing step with the engine's error, its output shipped", async () => {
    const { outcome, lines } = await build(`RUN echo "oops ${suffix}" && exit 3`);
    expect(outcome).toMatchObject({ ok: false, reason: 'failed', error: expect.stringContaining('non-zero code: 3') });
    expect(lines).toContain(`oops ${suffix}`);
  });

  it('stops a build over its time limit', async () => {
    const { outcome } = await build('RUN sleep 30', { timeoutMs: 2000 });
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
  });

  it('stops a cancelled build', async () => {
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 2000);
    const { outcome } = await build('RUN sleep 30', { signal: cancel.signal });
    expect(outcome).toMatchObject({ ok: false, reason: 'aborted' });
  });
});
