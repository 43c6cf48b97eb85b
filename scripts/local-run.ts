// What `npm start` runs in this checkout, kept in .draas/npm-start.json while it runs (mode 0600: the
// Redis URL carries the password), so that `npm run agent` in the same checkout joins it without
// settings to guess: the private Redis is on DRAAS_REDIS_PORT behind a generated password.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { presentSettings } from '@draas/queue-contracts/runtime';
import { z } from 'zod';

export const LocalRun = z.object({
  /** npm start's own pid: a file whose process is gone was left by a crash, and means nothing. */
  pid: z.number().int().positive(),
  redisUrl: z.string(),
  /** REDIS_PREFIX as npm start's apps got it (null: the default). */
  redisPrefix: z.string().nullable(),
  schedulerUrl: z.string(),
});
export type LocalRun = z.infer<typeof LocalRun>;

/** Where npm start describes itself, in the checkout (or working folder) `dir`. */
export const localRunFile = (dir: string): string => path.join(dir, '.draas', 'npm-start.json');

export function writeLocalRun(file: string, run: LocalRun): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, `${JSON.stringify(run)}\n`, { mode: 0o600 });
  renameSync(partial, file);
}

/** The npm start running now, or null (no file, a file it cannot read, or one left by a crash). */
export function readLocalRun(file: string): LocalRun | null {
  let run: LocalRun;
  try {
    run = LocalRun.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
  return processAlive(run.pid) ? run : null;
}

/** Removes the file if it describes this process (a second npm start must not remove the first's). */
export function removeLocalRun(file: string): void {
  if (readLocalRun(file)?.pid === process.pid) rmSync(file, { force: true });
}

/** Whether a process with this pid runs (EPERM: it belongs to another user, and lives). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}


/** How long `npm run agent` waits for an npm start that is starting (or restarting) in the checkout. */
const WAIT_FOR_START_MS = 60_000;

/**
 * The npm start to join: none when REDIS_URL or REDIS_SENTINELS is set; else the one running in
 * `dir`, waited for (a minute at most) when npm start has run there before (its Redis folder is
 * there) but is not up yet: both terminals started again at once after a Ctrl-C.
 */
export async function waitForLocalRun(env: NodeJS.ProcessEnv, dir: string): Promise<LocalRun | null> {
  const set = presentSettings(env);
  if (set.REDIS_URL || set.REDIS_SENTINELS) return null;
  const file = localRunFile(dir);
  let run = readLocalRun(file);
  if (run || !existsSync(path.join(dir, '.draas', 'redis'))) return run;
  console.error(`draas agent: waiting for npm start in ${dir} (up to ${WAIT_FOR_START_MS / 1000} s; set REDIS_URL to join another DRaaS)`);
  const deadline = Date.now() + WAIT_FOR_START_MS;
  while (!run && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    run = readLocalRun(file);
  }
  return run;
}

/**
 * The agent's environment for `npm run agent`: with neither REDIS_URL nor REDIS_SENTINELS set and an
 * npm start running here, its Redis (and prefix), and loopback addresses as npm start's own agent
 * has (the instances' URLs are for this machine); otherwise the environment as it is. `note`: the line
 * to print about it (none when REDIS_URL was given).
 */
export function agentEnvironment(env: NodeJS.ProcessEnv, run: LocalRun | null): { env: NodeJS.ProcessEnv; note: string | null } {
  // Empty counts as unset, as the apps read their settings.
  const set = presentSettings(env);
  if (set.REDIS_URL || set.REDIS_SENTINELS) return { env, note: null };
  if (!run) {
    return {
      env,
      note: 'draas agent: no `npm start` runs in this checkout, so REDIS_URL is its default redis://127.0.0.1:6379; set REDIS_URL to join another DRaaS',
    };
  }
  const joined: NodeJS.ProcessEnv = { ...env, REDIS_URL: run.redisUrl };
  if (!set.REDIS_PREFIX && run.redisPrefix !== null) joined.REDIS_PREFIX = run.redisPrefix;
  if (!set.AGENT_IP) joined.AGENT_IP = '127.0.0.1';
  if (!set.AGENT_PUBLISH_IP) joined.AGENT_PUBLISH_IP = '127.0.0.1';
  return { env: joined, note: `draas agent: joining the local DRaaS of npm start (pid ${run.pid}, dashboard ${run.schedulerUrl}/dashboard)` };
}
