import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { formatZodError } from '@draas/queue-contracts';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The one place errors become responses: `{ "error": { "code", "message" } }`, never a stack trace. */
export function errorResponse(err: Error, c: Context, logger: Logger): Response {
  const { status, code, message } = classify(err);
  if (status >= 500) logger.error({ err, path: c.req.path }, 'request failed');
  return c.json({ error: { code, message } }, status);
}

export function classify(err: Error): { status: ContentfulStatusCode; code: string; message: string } {
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof z.ZodError) return { status: 400, code: 'bad_request', message: formatZodError(err) };
  if (err instanceof HTTPException) return { status: err.status as ContentfulStatusCode, code: 'http_error', message: err.message || 'request refused' };
  return { status: 500, code: 'internal', message: 'the scheduler failed to handle the request; see its log' };
}
