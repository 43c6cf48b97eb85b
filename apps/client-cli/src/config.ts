import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors/usage-error.js';

// The CLI's settings, read once in main from the environment and passed down (nothing else reads
// process.env). An empty variable counts as unset, as shells make `DRAAS_TOKEN= draas ls` easy to type.
const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const CliEnv = z.object({
  // Where the scheduler answers.
  DRAAS_URL: z.preprocess(
    emptyAsUnset,
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:5000' }).default('http://localhost:5000'),
  ),
  // The API token; when unset, the token file `.draas/token` (written by `npm start`) is used.
  DRAAS_TOKEN: z.preprocess(emptyAsUnset, z.string().optional()),
  // Any non-empty value turns colours off (https://no-color.org).
  NO_COLOR: z.preprocess(emptyAsUnset, z.string().optional()),
});

export interface CliConfig {
  /** Base URL without a trailing slash. */
  url: string;
  token: string | null;
  noColor: boolean;
}

export const TOKEN_FILE = path.join('.draas', 'token');

/** `.draas/token` in `cwd` or the nearest folder above it, as `npm start` writes it at the repo root. */
export function findTokenFile(cwd: string): string | null {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, TOKEN_FILE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

export function parseEnv(env: Record<string, string | undefined>, cwd: string): CliConfig {
  const parsed = CliEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue?.path.join('.') ?? 'environment'}: ${issue?.message ?? 'invalid'}`);
  }
  const { DRAAS_URL, DRAAS_TOKEN, NO_COLOR } = parsed.data;
  const config: CliConfig = { url: DRAAS_URL.replace(/\/+$/, ''), token: null, noColor: NO_COLOR !== undefined };
  if (DRAAS_TOKEN !== undefined) return { ...config, token: DRAAS_TOKEN.trim() };

  const file = findTokenFile(cwd);
  if (file === null) return config;
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read the token file ${file}: ${(err as Error).message}; set DRAAS_TOKEN instead`);
  }
  return token ? { ...config, token } : config;
}
