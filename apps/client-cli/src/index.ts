import { Command } from 'commander';
import { createRequire } from 'node:module';
import { ApiClient } from './api-client.js';
import type { DeployCommandOptions } from './commands/deploy.js';
import type { LogsOptions } from './commands/logs.js';
import type { RollbackOptions } from './commands/rollback.js';
import type { ScaleOptions } from './commands/scale.js';
import { parseEnv } from './config.js';
import { EXIT_INTERRUPTED, type CommandContext } from './context.js';
import { ApiError } from './errors/api-error.js';
import { UsageError } from './errors/usage-error.js';
import { createOutput } from './output/output.js';

// `draas`: wiring only. Each command gets a CommandContext and returns its exit code; any error it
// throws becomes one line on stderr and a non-zero exit. Commands are imported when run, so that
// `draas ls` does not pay for loading the zip and upload code (start-up runs through tsx).

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

// `draas logs -f | head` closes stdout early: that ends the run, it is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

const interrupt = new AbortController();
let interruptedAt = 0;
process.on('SIGINT', () => {
  if (!interrupt.signal.aborted) {
    interruptedAt = Date.now();
    interrupt.abort();
    return;
  }
  // `npx` forwards the terminal's Ctrl-C, so one press can arrive twice: only a later press forces.
  if (Date.now() - interruptedAt > 500) process.exit(EXIT_INTERRUPTED);
});

function context(): CommandContext {
  // Read here, not at import, so that --help works whatever the environment holds.
  const config = parseEnv(process.env, process.cwd());
  return {
    api: new ApiClient({ baseUrl: config.url, token: config.token }),
    out: createOutput(process.stdout, process.stderr, config.noColor),
    env: process.env,
    signal: interrupt.signal,
    now: () => Date.now(),
  };
}

async function run(command: (ctx: CommandContext) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await command(context());
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

function reportError(err: unknown): number {
  if (interrupt.signal.aborted) return EXIT_INTERRUPTED; // the user stopped it: no error to report
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError && err.status !== 401) message += ` (${err.status} ${err.code})`;
  if (!(err instanceof Error) || err.name === 'Error' || err.name === 'TypeError') message = `unexpected error: ${message}`;
  process.stderr.write(`draas: ${message.replace(/\s*\n\s*/g, ' | ')}\n`);
  return err instanceof UsageError ? 2 : 1;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const program = new Command('draas')
  .description('Deploy a folder with a Dockerfile (or an image) to a DRaaS pool, and watch it run.')
  .version(version)
  .addHelpText(
    'after',
    `
Environment:
  DRAAS_URL     the scheduler (default http://localhost:5000)
  DRAAS_TOKEN   the API token (default: the file .draas/token in this folder or one above it)
  NO_COLOR      set to turn colours off

Examples:
  draas deploy ./my-app --env GREETING=hi --port 8080
  draas deploy --image nginx:1.27 --replicas 2 --memory 128m
  draas deploy ./web --name web --replicas 2 --health-path /healthz   (an app: one address, rolling updates)
  draas logs -f <id>`,
  );

program
  .command('deploy')
  .description('upload a folder or .zip (or name an image), then follow it until it runs')
  .argument('[source]', 'a folder with a Dockerfile at its root, or a .zip of one')
  .option('--image <ref>', 'deploy this image instead of building a folder')
  .option('--name <name>', 'the app this is a new version of (created if new; a DNS label); without it, a one-off deployment named after the folder or image')
  .option('-e, --env <NAME[=value]>', 'an environment variable; NAME alone takes the value from this shell (repeatable)', collect, [])
  .option('-p, --port <port>', 'a container port to publish, like 8080 or 53/udp (repeatable)', collect, [])
  .option('-c, --constraint <key=value>', 'run only on agents with this label (repeatable)', collect, [])
  .option('-m, --memory <size>', 'memory limit, like 256m or 1g (default 256m)')
  .option('--cpus <n>', 'CPU limit in cores, like 0.5 (default 0.25)')
  .option('-r, --replicas <n>', 'instances to run, spread over agents (default 1)')
  .option('--restart <policy>', 'no, on-failure, on-failure:N or always (default on-failure: crashes and lost machines restart, a clean exit does not)')
  .option('--strategy <name>', 'placement: spread or binpack (default spread)')
  .option('--health-path <path>', 'healthy when GET <path> on the first TCP port answers 2xx/3xx (default: the port accepts connections)')
  .option('--health-interval <duration>', 'time between health checks, like 2s or 500ms (default 1s)')
  .option('--health-timeout <duration>', 'a check that takes longer fails (default 2s)')
  .option('--health-retries <n>', 'failed checks in a row that make an instance unhealthy (default 3)')
  .option('--health-start-period <duration>', 'failures before the first success count only after this (default 1m)')
  .option('--max-surge <n>', 'app rollouts: new instances started beyond --replicas at once (default 1)')
  .option('--max-unavailable <n>', 'app rollouts: serving instances taken out before their replacements are healthy (default 0)')
  .option('--health-deadline <duration>', 'app rollouts: a new instance not healthy within this fails the rollout (default 1m)')
  .option('-d, --detach', 'print the id once the scheduler accepts it, and exit')
  .option('--json', 'print the final deployment (for an app: { outcome, deployment, app }) as one JSON object on stdout (logs go to stderr)')
  .option('--timeout <seconds>', 'give up following after this long', '600')
  .action((source: string | undefined, options: DeployCommandOptions) => run(async (ctx) => (await import('./commands/deploy.js')).deployCommand(source, options, ctx)));

program
  .command('ls')
  .description('list deployments, newest first')
  .option('--limit <n>', 'how many', '100')
  .option('--json', 'print them as one JSON array')
  .action((options: { json?: boolean; limit: string }) => run(async (ctx) => (await import('./commands/ls.js')).lsCommand(options, ctx)));

program
  .command('status')
  .description('show one deployment and its instances')
  .argument('<id>', 'deployment id')
  .option('--json', 'print it as one JSON object')
  .action((id: string, options: { json?: boolean }) => run(async (ctx) => (await import('./commands/status.js')).statusCommand(id, options, ctx)));

program
  .command('logs')
  .description("print a deployment's build and run log")
  .argument('<id>', 'deployment id')
  .option('-f, --follow', 'keep printing new lines until the deployment ends (Ctrl-C to stop)')
  .option('--since <when>', 'only lines since a duration ago (10m, 1h30m) or an ISO time')
  .option('--json', 'print the lines as one JSON array (with -f: one JSON line each)')
  .action((id: string, options: LogsOptions) => run(async (ctx) => (await import('./commands/logs.js')).logsCommand(id, options, ctx)));

program
  .command('cancel')
  .description('stop a deployment (any state; cancelling twice is fine)')
  .argument('<id>', 'deployment id')
  .option('--json', 'print the deployment as one JSON object')
  .action((id: string, options: { json?: boolean }) => run(async (ctx) => (await import('./commands/cancel.js')).cancelCommand(id, options, ctx)));

program
  .command('agents')
  .description('list the machines of the pool')
  .option('--json', 'print them as one JSON array')
  .action((options: { json?: boolean }) => run(async (ctx) => (await import('./commands/agents.js')).agentsCommand(options, ctx)));

program
  .command('apps')
  .description('list the apps: name, status, version, healthy instances, address')
  .option('--json', 'print them as one JSON array')
  .action((options: { json?: boolean }) => run(async (ctx) => (await import('./commands/apps.js')).appsCommand(options, ctx)));

program
  .command('app')
  .description('show one app: its address, versions and instances')
  .argument('<name>', 'app name')
  .option('--json', 'print it as one JSON object')
  .action((name: string, options: { json?: boolean }) => run(async (ctx) => (await import('./commands/apps.js')).appCommand(name, options, ctx)));

program
  .command('scale')
  .description("change an app's number of instances, then follow until that many are healthy")
  .argument('<app>', 'app name')
  .argument('<replicas>', 'instances that should serve (0 stops them all but keeps the app)')
  .option('-d, --detach', 'print the new state once the scheduler accepts it, and exit')
  .option('--json', 'print the app as one JSON object')
  .option('--timeout <seconds>', 'give up following after this long', '600')
  .action((name: string, replicas: string, options: ScaleOptions) => run(async (ctx) => (await import('./commands/scale.js')).scaleCommand(name, replicas, options, ctx)));

program
  .command('rollback')
  .description('roll an app out again as an earlier version (by default the one before the current), and follow it')
  .argument('<app>', 'app name')
  .option('--to <version>', 'the version to go back to, like 3 or v3')
  .option('-d, --detach', 'print the new version once the scheduler accepts it, and exit')
  .option('--json', 'print the app as one JSON object')
  .option('--timeout <seconds>', 'give up following after this long', '600')
  .action((name: string, options: RollbackOptions) => run(async (ctx) => (await import('./commands/rollback.js')).rollbackCommand(name, options, ctx)));

program
  .command('destroy')
  .description('stop every version of an app and remove it (asks nothing)')
  .argument('<app>', 'app name')
  .option('--json', 'print what was stopped as one JSON object')
  .action((name: string, options: { json?: boolean }) => run(async (ctx) => (await import('./commands/destroy.js')).destroyCommand(name, options, ctx)));

await program.parseAsync(process.argv);
