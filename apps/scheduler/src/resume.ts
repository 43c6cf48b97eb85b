import { isTerminalDeployment } from '@draas/queue-contracts';
import type { SchedulerContext } from './context.js';
import { enqueueDeploy } from './placement/placement-worker.js';

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
    await ctx.queues.addPlace(record.id);
    for (const instance of await ctx.deployments.instances(record.id, record.spec.replicas)) {
      if (instance.status === 'scheduled') await enqueueDeploy(ctx, record, instance);
    }
  }
  return resumed;
}
