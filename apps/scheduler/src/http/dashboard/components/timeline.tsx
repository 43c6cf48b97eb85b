import type { DeploymentEvent } from '@draas/queue-contracts';
import { Badge } from './badge.js';

export function describeEvent(e: DeploymentEvent): string {
  return e.instance ? `#${e.instance.index}, attempt ${e.instance.attempt}` : 'deployment';
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** Every status change of the deployment and its instances, newest first; deployment.js keeps it live. */
export function Timeline({ events }: { events: readonly DeploymentEvent[] }) {
  const newestFirst = [...events].reverse();
  return (
    <section class="card" aria-labelledby="timeline-title">
      <div class="card-head">
        <h2 id="timeline-title">Timeline</h2>
      </div>
      <ol class="timeline" id="timeline">
        {newestFirst.map((e) => (
          <li>
            <time datetime={new Date(e.at).toISOString()} data-local="time">{clock(e.at)}</time>
            <Badge status={e.instance ? e.instance.status : e.status} />
            <span class="what">{describeEvent(e)}</span>
          </li>
        ))}
      </ol>
      <p class="empty" id="timeline-empty" hidden={events.length > 0}>
        No status changes yet.
      </p>
    </section>
  );
}
