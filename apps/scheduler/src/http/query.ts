import type { Context } from 'hono';
import { z } from 'zod';
import { formatZodError } from '@draas/queue-contracts';
import { BadRequest } from '../errors.js';

// Query strings through zod like everything else: unknown parameters are refused, so that a typo
// (`?limt=5`) is an error rather than silently ignored.

const limit = (fallback: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1).max(max))
    .optional()
    .transform((n) => n ?? fallback);

const logId = z.string().regex(/^\d{1,20}-\d{1,20}$/, 'must be a log line id such as 1732700000000-0');

export const ListQuery = z.strictObject({ limit: limit(100, 1000) });

export const LogsQuery = z.strictObject({
  after: logId.optional(),
  limit: limit(1000, 10_000),
  follow: z.enum(['0', '1', 'true', 'false']).optional(),
});

export const NoQuery = z.strictObject({});

export function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new BadRequest(`query: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** A Last-Event-ID header, checked like the `after` parameter it stands for. */
export function lastEventId(c: Context): string | undefined {
  const header = c.req.header('last-event-id');
  if (header === undefined || header === '') return undefined;
  const parsed = logId.safeParse(header);
  if (!parsed.success) throw new BadRequest(`Last-Event-ID "${header.slice(0, 64)}" ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
  return parsed.data;
}
