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
