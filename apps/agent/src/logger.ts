import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'agent' },
    // Belt and braces: fields that could carry secrets are never printed, whoever logs them.
    redact: { paths: ['env', '*.env', 'password', '*.password', 'redisUrl', '*.redisUrl'], censor: '[redacted]' },
  });
}

/** A Redis URL fit for a log line: the password (and a user's token) replaced by ***. */
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}
