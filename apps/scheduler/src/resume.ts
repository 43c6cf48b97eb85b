import { isTerminalDeployment } from '@draas/queue-contracts';
import type { SchedulerContext } from './context.js';
import { ensureDeployJobs } from './placement/placement-worker.js';

// After a crash (or SIGKILL) between "recorded" and "enqueued", work could be recorded but never
// queued. At start every unfinished deployment gets its next step queued again; the job ids are
// deterministic or deduplicated and every handler is idempotent, so doing this twice is harmless.

export async function resumeUnfinished(ctx: SchedulerContext): Promise<number> {
  let resumed = 0;
  for (const record of await ctx.deployments.list(100_000)) {
    if (record.desired === 'cancelled' || isTerminalDeployment(record.status)) continue;
    resumed++;
    if (record.image === null) {
      await ctx.queues.addBuild(record.id);
      continue;
    }
    // A crash between recording an instance as scheduled and enqueuing its deploy job: enqueue it
    // again (an existing job with the same id is left as it is).
    await ensureDeployJobs(ctx.scheduling, record);
    await ctx.scheduling.planner.requestPlacement([record.id]);
  }
  return resumed;
}
