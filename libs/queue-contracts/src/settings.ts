import { z } from 'zod';
import { parseMemory } from './units.js';

// Pieces of the settings schemas both apps parse their environment with (each app has its own
// schema; these are the value types they share, so a variable means the same thing everywhere).

/** dockerode's connection options, as DOCKER_HOST gives them. */
export type DockerConnection = { socketPath: string } | { host: string; port: number; protocol: 'http' | 'https' };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * DOCKER_HOST as the docker CLI reads it: unix:///path, tcp://host[:port], http(s)://host[:port]
 * (ports default to 2375, or 2376 for TLS); unset → the default socket. TLS client certificates are
 * not supported: use a unix socket or an SSH tunnel for remote engines. Throws naming what is wrong.
 */
export function parseDockerHost(value: string | undefined): DockerConnection {
  if (value === undefined || value === '') return { socketPath: DEFAULT_DOCKER_SOCKET };
  const expected = `"${value}" is not unix:///path, tcp://host:port or http(s)://host:port`;
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error(`"${value}" must name an absolute socket path (unix:///var/run/docker.sock)`);
    return { socketPath };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(expected);
  }
  const protocol = ({ 'tcp:': 'http', 'http:': 'http', 'https:': 'https' } as const)[url.protocol as 'tcp:' | 'http:' | 'https:'] as
    | 'http'
    | 'https'
    | undefined;
  if (!protocol || !url.hostname) throw new Error(expected);
  const port = url.port ? Number(url.port) : protocol === 'https' ? 2376 : 2375;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port, protocol };
}

export const DockerHostSetting = z
  .string()
  .optional()
  .transform((value, ctx): DockerConnection => {
    try {
      return parseDockerHost(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

export const RedisUrlSetting = z
  .string()
  .default('redis://127.0.0.1:6379')
  .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://');

/** A Sentinel's address. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/**
 * REDIS_SENTINELS: `host:port,host:port`. Set, the Redis primary is the one these Sentinels name
 * (REDIS_SENTINEL_NAME) and follows it through a failover; REDIS_URL then gives only the user, the
 * password (also used with the Sentinels) and the database.
 */
export const RedisSentinelsSetting = z
  .string()
  .optional()
  .transform((v, ctx): SentinelAddress[] | null => {
    if (v === undefined || v.trim() === '') return null;
    const out: SentinelAddress[] = [];
    for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
      const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(part);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65_535) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not host:port (example: 10.0.0.5:26379,10.0.0.6:26379)` });
        return z.NEVER;
      }
      out.push({ host: (match[1] as string).replace(/^\[|\]$/g, ''), port });
    }
    return out;
  });

export const RedisSentinelNameSetting = z
  .string()
  .default('mymaster')
  .refine((v) => /^[A-Za-z0-9_.-]{1,64}$/.test(v), 'letters, digits, _ . - only (at most 64)');

export const RedisPrefixSetting = z
  .string()
  .default('draas')
  .refine((v) => /^[A-Za-z0-9_.-]{1,64}$/.test(v), 'letters, digits, _ . - only (at most 64)');

export const LogLevelSetting = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** The environment without empty values: compose files write `VAR=` for settings the user did not give, which means unset. */
export const presentSettings = (env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''));

/** A whole number in [min, max]; digits only, so `1e3` or `12abc` are refused rather than guessed at. */
export const intSetting = (fallback: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .optional()
    .transform((n) => n ?? fallback);

/** A size such as `512m` or `2g`; the default is given in the same form. */
export const sizeSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const bytes = parseMemory(value);
      if (bytes === null) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a size such as 512m or 2g` });
        return z.NEVER;
      }
      return bytes;
    });

export const boolSetting = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['1', 'true', 'yes', 'on'].includes(v)));

/** A Redis URL fit for a log line: the password replaced by ***. */
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}

/** SCHEDULER_URL: a scheduler as agents reach it (image downloads); without a trailing slash. */
export const SchedulerUrlSetting = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .optional()
  .transform((v) => v?.replace(/\/+$/, '') ?? null);
