import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The admin token: DRAAS_TOKEN, else one generated once and kept in the data folder (mode 0600). */
export function resolveToken(configured: string | null, dataDir: string): { token: string; file: string | null } {
  if (configured) return { token: configured, file: null };
  const file = path.join(dataDir, 'token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file} holds a token shorter than 16 characters; delete it to get a new one`);
  return { token, file };
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison; hashing first makes lengths equal, so the length is not leaked either. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
