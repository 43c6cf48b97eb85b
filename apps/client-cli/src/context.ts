import type { ApiClient } from './api-client.js';
import type { Output } from './output/output.js';

/** What every command gets from main: nothing in a command reads process.* itself. */
export interface CommandContext {
  api: ApiClient;
  out: Output;
  /** The CLI's own environment, for `--env NAME` without a value. */
  env: Record<string, string | undefined>;
  /** Aborted by Ctrl-C. */
  signal: AbortSignal;
  now(): number;
}

/** The exit code for a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;
