import type { DeploymentEvent } from '@draas/queue-contracts';
import { Badge } from './badge.js';

export function describeEvent(e: DeploymentEvent): string {
  return e.instance ? `#${e.instance.index}, attempt ${e.instance.attempt}` : 'deployment';
}

/** Every status change of the deployment and its instances, newest first (times in the reader's zone: common.js). */
export function Timeline({ events }: { events: readonly DeploymentEvent[] }) {
  const newestFirst = [...events].reverse();
  return (
    <section class="card" id="d-timeline" aria-labelledby="timeline-title">
      <div class="card-head">
        <h2 id="timeline-title">Timeline</h2>
      </div>
      <ol class="timeline" id="timeline">
        {newestFirst.map((e) => {
          const at = new Date(e.at).toISOString();
          return (
            <li>
              <time datetime={at} data-local="time">
                {at}
              </time>
              <Badge status={e.instance ? e.instance.status : e.status} />
              <span class="what">{describeEvent(e)}</span>
            </li>
          );
        })}
      </ol>
      <p class="empty" id="timeline-empty" hidden={events.length > 0}>
        No status changes yet.
      </p>
    </section>
  );
}
