// Integration-test infrastructure: a private Redis (the project's redis.conf, a generated password)
// and the local Docker engine with the project's base images. With CI=true anything missing is a
// failure; elsewhere the integration tests are skipped with the reason printed.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { buildApps } from '../scripts/apps.js';
import { freePort, REPO_ROOT, startLocalRedis, type LocalRedis } from '../scripts/local-redis.js';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the integration tests cannot run here, or null when Redis and Docker are ready. */
    infraMissing: string | null;
    redisUrl: string;
  }
}

async function dockerReady(): Promise<string | null> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 15_000 });
  } catch (err) {
    return `Docker engine unreachable (${(err as Error).message.split('\n')[0]}); run scripts/install-deps.sh`;
  }
  try {
    await run(path.join(REPO_ROOT, 'scripts/make-base-images.sh'), [], { timeout: 300_000 });
  } catch (err) {
    return `cannot make the local base images: ${(err as Error).message}`;
  }
  return null;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The integration tests run the apps as users do: compiled. A compile error fails here, loudly.
  buildApps();
  const problems: string[] = [];
  let redis: LocalRedis | null = null;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'draas-test-redis-'));
  try {
    redis = await startLocalRedis({ dataDir, port: await freePort(), persistent: false });
  } catch (err) {
    problems.push((err as Error).message);
  }
  const docker = await dockerReady();
  if (docker) problems.push(docker);

  const infraMissing = problems.length ? problems.join('; ') : null;
  if (infraMissing && process.env.CI === 'true') {
    await redis?.stop();
    throw new Error(`CI=true and the integration tests cannot run: ${infraMissing}`);
  }
  if (infraMissing) console.warn(`\n[integration] skipped: ${infraMissing}\n`);
  project.provide('infraMissing', infraMissing);
  project.provide('redisUrl', redis?.url ?? '');
  return async () => {
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
