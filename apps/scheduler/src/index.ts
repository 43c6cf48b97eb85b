import { describeRedisTarget } from '@draas/queue-contracts/runtime';
import { parseEnv } from './config.js';
import { createLogger } from './logger.js';
import { startScheduler } from './scheduler.js';

// Wiring only: settings, start, and a clean stop on SIGTERM/SIGINT.
let config;
try {
  config = parseEnv(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const logger = createLogger(config.logLevel);
logger.info({ redis: describeRedisTarget(config.redis), dataDir: config.dataDir }, 'starting scheduler');
const scheduler = await startScheduler(config, logger).catch((err: Error) => {
  // One line that says what to change (a port in use names PORT), not a stack trace.
  console.error(`draas scheduler: cannot start: ${err.message}`);
  process.exit(1);
});
if (scheduler.tokenFile) logger.info({ tokenFile: scheduler.tokenFile }, 'admin token kept in file');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new work, finishing what is held');
    // A stop must not hang forever (Redis gone, a build that will not end): give up after a while.
    setTimeout(() => {
      logger.error('could not stop cleanly within 30 s; exiting anyway');
      process.exit(1);
    }, 30_000).unref();
    scheduler.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err }, 'stopped with errors');
        process.exit(1);
      },
    );
  });
}
