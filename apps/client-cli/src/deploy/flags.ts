import { CreateDeploymentRequest } from '@draas/queue-contracts';
import type { z } from 'zod';
import { UsageError } from '../errors/usage-error.js';

// `draas deploy` flags → the API request, checked locally with the contracts schema (the very rules
// the scheduler applies), so a typo is reported before anything is zipped or uploaded.

export interface DeployFlags {
  image?: string;
  name?: string;
  env: string[];
  port: string[];
  constraint: string[];
  memory?: string;
  cpus?: string;
  replicas?: string;
  restart?: string;
  strategy?: string;
  healthPath?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  maxSurge?: string;
  maxUnavailable?: string;
  healthDeadline?: string;
}

/** The contracts' field names, as the user typed them on the command line. */
const flagOf: Record<string, string> = {
  image: '--image',
  name: '--name',
  env: '--env',
  ports: '--port',
  constraints: '--constraint',
  memory: '--memory',
  cpus: '--cpus',
  replicas: '--replicas',
  restart: '--restart',
  strategy: '--strategy',
  app: '--name',
  healthPath: '--health-path',
  healthInterval: '--health-interval',
  healthTimeout: '--health-timeout',
  healthRetries: '--health-retries',
  healthStartPeriod: '--health-start-period',
  maxSurge: '--max-surge',
  maxUnavailable: '--max-unavailable',
  healthDeadline: '--health-deadline',
};

/** The rollout flags, which only an app (`--name`) has. */
const rolloutFlags = ['maxSurge', 'maxUnavailable', 'healthDeadline'] as const;

/** `--port 8080,53/udp` and repeated flags alike. */
const splitList = (values: readonly string[]): string[] =>
  values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

/**
 * `K=V` sets a value; a bare `K` takes it from the CLI's own environment (like `docker run -e K`),
 * so secrets need not appear on the command line. Values are never echoed in errors.
 */
export function parseEnvFlags(values: readonly string[], cliEnv: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!key) throw new UsageError(`--env "${eq === -1 ? item : '=…'}" needs a name: use --env NAME=value or --env NAME`);
    if (eq !== -1) env[key] = item.slice(eq + 1);
    else {
      const value = cliEnv[key];
      if (value === undefined) throw new UsageError(`--env ${key}: ${key} is not set in this shell, so there is no value to pass; use --env ${key}=value`);
      env[key] = value;
    }
  }
  return env;
}

/**
 * With `--name` the deployment is a new version of that app (created if new): the request names it
 * as `app` too. Without, it is a one-off deployment as before apps existed.
 */
export function buildDeployRequest(flags: DeployFlags, cliEnv: Record<string, string | undefined>): CreateDeploymentRequest {
  const rollout = rolloutFlags.filter((key) => flags[key] !== undefined);
  if (!flags.name && rollout.length) {
    throw new UsageError(`${rollout.map((key) => flagOf[key]).join(', ')}: rollout settings apply to apps; name the app with --name`);
  }
  const count = (input: string | undefined, key: keyof DeployFlags) => (input === undefined ? undefined : wholeNumber(input, flagOf[key] ?? key));
  const ports = splitList(flags.port);
  const constraints = splitList(flags.constraint);
  const request: CreateDeploymentRequest = {
    image: flags.image,
    name: flags.name,
    env: flags.env.length ? parseEnvFlags(flags.env, cliEnv) : undefined,
    // A bare port goes as a number, as docs/API.md writes it (`ports=[8080]`).
    ports: ports.length ? ports.map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : undefined,
    constraints: constraints.length ? constraints : undefined,
    memory: flags.memory,
    cpus: flags.cpus,
    replicas: flags.replicas === undefined ? undefined : wholeNumber(flags.replicas, '--replicas'),
    restart: flags.restart,
    strategy: flags.strategy as CreateDeploymentRequest['strategy'],
    app: flags.name,
    healthPath: flags.healthPath,
    healthInterval: flags.healthInterval,
    healthTimeout: flags.healthTimeout,
    healthRetries: count(flags.healthRetries, 'healthRetries'),
    healthStartPeriod: flags.healthStartPeriod,
    maxSurge: count(flags.maxSurge, 'maxSurge'),
    maxUnavailable: count(flags.maxUnavailable, 'maxUnavailable'),
    healthDeadline: flags.healthDeadline,
  };
  for (const key of Object.keys(request) as (keyof CreateDeploymentRequest)[]) {
    if (request[key] === undefined) delete request[key];
  }
  const parsed = CreateDeploymentRequest.safeParse(request);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error));
  return request;
}

/**
 * The multipart text fields of an archive upload: `env`, `ports` and `constraints` as JSON text,
 * the rest as typed (docs/API.md). `image` never goes here: an image deployment is a JSON body.
 */
export function toMultipartFields(request: CreateDeploymentRequest): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || key === 'image') continue;
    fields[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return fields;
}

/** A day: plenty for any build, and well below the ~24.8 days where Node timers overflow and fire at once. */
const MAX_TIMEOUT_SECONDS = 86_400;

/** `--timeout` in seconds → ms. */
export function parseTimeout(input: string): number {
  const seconds = Number(input);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout "${input}" must be a number of seconds from above 0 to ${MAX_TIMEOUT_SECONDS} (example: 600)`);
  }
  return seconds * 1000;
}

export function wholeNumber(input: string, flag: string): number {
  if (!/^\d+$/.test(input.trim())) throw new UsageError(`${flag} "${input}" must be a whole number (example: 3)`);
  return Number(input);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const [field, ...rest] = issue.path.map(String);
      // A bad record key (an env name) carries the useful message one level down.
      const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      // A rule over several fields names them as the API does: say the flags instead.
      if (field === undefined) return message.replace(/\b[a-z]+[A-Z][A-Za-z]*\b/g, (name) => flagOf[name] ?? name);
      const flag = flagOf[field] ?? field;
      // `healthInterval "x" must be…` reads better as `--health-interval "x" must be…`.
      if (/[A-Z]/.test(field) && message.startsWith(`${field} `)) return `${flag}${message.slice(field.length)}`;
      return `${flag}${rest.length ? ` ${rest.join('.')}` : ''}: ${message}`;
    })
    .join('; ');
}

