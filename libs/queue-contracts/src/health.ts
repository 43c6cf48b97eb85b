import { z } from 'zod';
import { parseDuration } from './units.js';

// Health checks (docs/ARCHITECTURE.md, Apps): what an instance's health is, and how its agent probes
// it. The image's Docker HEALTHCHECK is honoured as Docker runs it; an HTTP check (`path`) is probed
// by the agent on the instance's address; with neither, an instance is healthy once its first TCP
// port accepts connections (or once running, when it publishes none).

/** `starting` until a first check passes; null while the instance does not run. */
export const InstanceHealth = z.enum(['starting', 'healthy', 'unhealthy']);
export type InstanceHealth = z.infer<typeof InstanceHealth>;

export const HealthSpec = z.object({
  /** HTTP path probed with GET on the first TCP port; any 2xx or 3xx passes. Null: no HTTP check. */
  path: z.string().nullable(),
  intervalMs: z.number().int().min(100).max(3_600_000),
  timeoutMs: z.number().int().min(50).max(600_000),
  /** Consecutive failures that make a healthy instance unhealthy (it is then replaced). */
  retries: z.number().int().min(1).max(100),
  /** Failures before a first success count only once this has passed since the container started. */
  startPeriodMs: z.number().int().min(0).max(3_600_000),
});
export type HealthSpec = z.infer<typeof HealthSpec>;

export const DEFAULT_HEALTH: HealthSpec = { path: null, intervalMs: 1000, timeoutMs: 2000, retries: 3, startPeriodMs: 60_000 };

/** A duration field of a request (`2s`, `500ms`, or seconds as a number), within bounds, in ms. */
export const durationField = (name: string, minMs: number, maxMs: number) =>
  z.union([z.string(), z.number()]).transform((input, ctx) => {
    const ms = parseDuration(input);
    if (ms === null || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `${name} "${input}" must be a duration from ${minMs}ms to ${maxMs / 1000}s (examples: 500ms, 2s, 1m)` });
      return z.NEVER;
    }
    return ms;
  });

export const HealthPath = z
  .string()
  .max(1024)
  .regex(/^\/[\x21-\x7e]*$/, 'a health path starts with / and has no spaces (example: /healthz)');
