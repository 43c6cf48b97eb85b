import { parseDuration as parseAnyDuration } from '@draas/queue-contracts';
import { UsageError } from '../errors/usage-error.js';

// `--since` of `draas logs`: a duration back from now (`10m`, `1h30m`, `2d`, `500ms`) or an ISO time.

/**
 * `1h30m` → 5_400_000 (the contracts' durations), with a unit: a bare number is no `--since`.
 * Null when the text is not a duration.
 */
export function parseDuration(input: string): number | null {
  return /^\s*\d+(\.\d+)?\s*$/.test(input) ? null : parseAnyDuration(input);
}

/** The moment (ms since the epoch) that `--since` names, relative to `now`. */
export function parseSince(input: string, now: number): number {
  const duration = parseDuration(input);
  if (duration !== null) return now - duration;
  // Only full dates: Date.parse alone would take "5" or "May 1" in the local zone, which surprises.
  const time = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(input.trim()) ? Date.parse(input.trim()) : NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`--since "${input}" must be a duration such as 10m, 1h30m or 2d, or an ISO time such as 2025-01-31T12:00:00Z`);
  }
  return time;
}
