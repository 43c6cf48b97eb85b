import { pino, type Logger } from 'pino';

export type { Logger };

/** One structured logger per process; components take children (`logger.child({ component })`). */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'scheduler' },
    // Belt and braces: the code never logs these, but a stray object must not leak them either.
    redact: { paths: ['*.env', '*.token', '*.password', 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  });
}
