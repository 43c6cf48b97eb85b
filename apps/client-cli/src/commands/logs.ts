import type { LogLine } from '@draas/queue-contracts';
import { EXIT_INTERRUPTED, type CommandContext } from '../context.js';
import { followDeployment } from '../follow/follow-deployment.js';
import { parseSince } from '../follow/since.js';

// `draas logs <id> [-f] [--since 10m]`: the history, then (with -f) the live lines until the
// deployment ends or Ctrl-C. Lines are printed bare, as `docker logs` prints them.

export interface LogsOptions {
  follow?: boolean;
  since?: string;
  json?: boolean;
}

const PAGE = 1000;

export async function logsCommand(id: string, options: LogsOptions, ctx: CommandContext): Promise<number> {
  const since = options.since === undefined ? null : parseSince(options.since, ctx.now());
  const wanted = (line: LogLine) => since === null || line.time >= since;
  const { out } = ctx;

  if (!options.follow) {
    const lines: LogLine[] = [];
    for (let after: string | null = null; ; ) {
      const page = await ctx.api.logs(id, { after, limit: PAGE }, ctx.signal);
      lines.push(...page.lines.filter(wanted));
      after = page.lines.at(-1)?.id ?? null;
      if (page.lines.length < PAGE || after === null) break;
    }
    // --json: one value (the array); following cannot end with one, so -f --json prints one per line.
    if (options.json) out.json(lines);
    else for (const line of lines) out.out(line.line);
    return 0;
  }

  for await (const event of followDeployment(ctx.api, id, { signal: ctx.signal })) {
    if (event.kind === 'log' && wanted(event.line)) {
      if (options.json) out.json(event.line);
      else out.out(event.line.line);
    } else if (event.kind === 'notice') out.err(out.errColors.dim(event.message));
    else if (event.kind === 'end') {
      out.err(out.errColors.dim(`deployment ${event.view.id} has ended: ${event.view.status}`));
      return 0;
    }
  }
  return ctx.signal.aborted ? EXIT_INTERRUPTED : 0;
}
