import { z } from 'zod';
import { parseMemory } from './units.js';

// Pieces of the settings schemas both apps parse their environment with (each app has its own
// schema; these are the value types they share, so a variable means the same thing everywhere).

/** `DOCKER_HOST` as Docker reads it: unix:///path, tcp://host:port, http(s)://host:port. */
export type DockerConnection =
  | { socketPath: string }
  | { host: string; port: number; protocol: 'http' | 'https' };

export const DockerHostSetting = z
  .string()
  .optional()
  .transform((value, ctx): DockerConnection => {
    if (!value) return { socketPath: '/var/run/docker.sock' };
    if (value.startsWith('unix://')) return { socketPath: value.slice('unix://'.length) };
    const match = /^(tcp|http|https):\/\/([^/:]+):(\d{1,5})\/?$/.exec(value);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not unix:///path/docker.sock or tcp://host:port` });
      return z.NEVER;
    }
    return { host: match[2] as string, port: Number(match[3]), protocol: match[1] === 'https' ? 'https' : 'http' };
  });

export const RedisUrlSetting = z
  .string()
  .default('redis://127.0.0.1:6379')
  .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://');

export const RedisPrefixSetting = z
  .string()
  .default('draas')
  .refine((v) => /^[A-Za-z0-9_.-]{1,64}$/.test(v), 'letters, digits, _ . - only (at most 64)');

export const LogLevelSetting = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

export const intSetting = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

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

/** REDIS_URL with its password hidden, for logs. */
export const maskRedisUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
