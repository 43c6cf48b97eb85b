import { startAgent } from './agent.js';
import { parseEnv, type AgentConfig } from './config.js';

// Wiring only: settings are read once here, then everything runs inside startAgent.

function loadConfig(): AgentConfig {
  try {
    return parseEnv(process.env);
  } catch (err) {
    console.error(`draas agent: ${(err as Error).message}`);
    process.exit(1);
  }
}

const agent = await startAgent(loadConfig()).catch((err: Error) => {
  console.error(`draas agent: cannot start: ${err.message}`);
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal means "now": skip the graceful path.
    if (stopping) process.exit(1);
    stopping = true;
    // A stop must not hang forever (Redis gone, Docker stuck): give up after a while.
    setTimeout(() => {
      console.error('draas agent: could not stop cleanly within 30 s; exiting anyway');
      process.exit(1);
    }, 30_000).unref();
    agent.close().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`draas agent: stopped with errors: ${err.message}`);
        process.exit(1);
      },
    );
  });
}
