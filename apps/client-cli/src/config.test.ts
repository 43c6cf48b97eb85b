import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findTokenFile, parseEnv } from './config.js';
import { UsageError } from './errors/usage-error.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'draas-config-test-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('parseEnv', () => {
  it('defaults to the local scheduler and no token', () => {
    expect(parseEnv({}, tmp)).toEqual({ url: 'http://localhost:5000', token: null, noColor: false });
  });

  it('reads DRAAS_URL (without a trailing slash), DRAAS_TOKEN and NO_COLOR; empty counts as unset', () => {
    expect(parseEnv({ DRAAS_URL: 'https://draas.example.com/', DRAAS_TOKEN: 't0k', NO_COLOR: '1' }, tmp)).toEqual({
      url: 'https://draas.example.com',
      token: 't0k',
      noColor: true,
    });
    expect(parseEnv({ DRAAS_URL: '', NO_COLOR: '' }, tmp)).toMatchObject({ url: 'http://localhost:5000', noColor: false });
  });

  it('names the variable when it is wrong', () => {
    expect(() => parseEnv({ DRAAS_URL: 'localhost:5000' }, tmp)).toThrow(UsageError);
    expect(() => parseEnv({ DRAAS_URL: 'ftp://x' }, tmp)).toThrow(/^DRAAS_URL: must be an http\(s\) URL/);
  });

  it('finds .draas/token in the nearest folder above, and prefers DRAAS_TOKEN', async () => {
    const deep = path.join(tmp, 'a', 'b');
    await mkdir(deep, { recursive: true });
    await mkdir(path.join(tmp, '.draas'));
    await writeFile(path.join(tmp, '.draas', 'token'), 'from-file\n');
    expect(findTokenFile(deep)).toBe(path.join(tmp, '.draas', 'token'));
    expect(parseEnv({}, deep)).toMatchObject({ token: 'from-file' });
    expect(parseEnv({ DRAAS_TOKEN: 'from-env' }, deep)).toMatchObject({ token: 'from-env' });
  });
});
