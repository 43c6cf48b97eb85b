// How the scheduler and the agent are run outside their image: as the compiled JavaScript the image
// runs too (`tsc -b` into each workspace's dist/), not through tsx, whose compiler and source maps
// cost every process memory and start-up time. The build is incremental: with nothing changed
// it takes under a second.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './local-redis.js';

export type App = 'scheduler' | 'agent';

/** Brings every workspace's dist/ up to date; throws with the compiler's errors when it cannot. */
export function buildApps(): void {
  execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** The command line that runs an app (after buildApps). */
export function appCommand(app: App): [string, string[]] {
  return [process.execPath, [path.join(REPO_ROOT, 'apps', app, 'dist/index.js')]];
}
