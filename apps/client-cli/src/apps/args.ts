import { Limits, RollbackRequest, ScaleRequest } from '@draas/queue-contracts';
import { wholeNumber } from '../deploy/flags.js';
import { UsageError } from '../errors/usage-error.js';

// The numbers `draas scale` and `draas rollback` take, checked with the contracts' request schemas.

export function parseReplicas(input: string): number {
  const replicas = wholeNumber(input, 'replicas');
  if (!ScaleRequest.safeParse({ replicas }).success) throw new UsageError(`replicas "${input}" must be from 0 to ${Limits.maxReplicas}`);
  return replicas;
}

/** `--to 3` or `--to v3`. */
export function parseVersion(input: string): number {
  const version = wholeNumber(input.replace(/^v/i, ''), '--to');
  if (!RollbackRequest.safeParse({ version }).success) throw new UsageError(`--to "${input}" must be a version number from 1 (example: --to 2)`);
  return version;
}
