// `npm run bench [-- --quick] [names...]`: runs the benchmarks (all, or those named), prints their
// tables and appends them, with the date and the machine, to bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApps } from '../scripts/apps.js';
import { REPO_ROOT } from '../scripts/local-redis.js';
import { appendResults, benchRedis, cleanupDir, markdownTable, type Bench, type BenchResult } from './lib.js';

const benches: Record<string, () => Promise<{ default: Bench }>> = {
  'deploy-latency': () => import('./deploy-latency.js'),
  build: () => import('./build.js'),
  'control-plane': () => import('./control-plane.js'),
  logs: () => import('./logs.js'),
  failover: () => import('./failover.js'),
  footprint: () => import('./footprint.js'),
  'image-distribution': () => import('./image-distribution.js'),
  rollout: () => import('./rollout.js'),
};

const { values, positionals } = parseArgs({ allowPositionals: true, options: { quick: { type: 'boolean', default: false } } });
const names = positionals.length ? positionals : Object.keys(benches);
for (const name of names) if (!benches[name]) throw new Error(`no benchmark "${name}"; there are: ${Object.keys(benches).join(', ')}`);

execFileSync(path.join(REPO_ROOT, 'scripts/make-base-images.sh'), { stdio: 'inherit' });
buildApps(); // the benchmarks measure the compiled apps, as they run in production
const { redis, dir } = await benchRedis();
const results: BenchResult[] = [];
const started = Date.now();
try {
  for (const name of names) {
    const bench = (await (benches[name] as () => Promise<{ default: Bench }>)()).default;
    console.log(`\n▶ ${name}${values.quick ? ' (quick)' : ''}`);
    const result = await bench({ quick: values.quick ?? false, redisUrl: redis.url });
    console.log(markdownTable(result));
    results.push(result);
  }
} finally {
  await redis.stop();
  cleanupDir(dir);
}
const file = appendResults(results, values.quick ?? false);
console.log(`\n${names.length} benchmark(s) in ${Math.round((Date.now() - started) / 1000)} s; appended to ${path.relative(process.cwd(), file)}`);
