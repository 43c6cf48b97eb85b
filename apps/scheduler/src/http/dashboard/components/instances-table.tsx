import type { InstanceView } from '@draas/queue-contracts';
import { Age, Badge, UrlLink } from './badge.js';

export function InstanceRow({ instance: i, now }: { instance: InstanceView; now: number }) {
  return (
    <tr data-id={String(i.index)}>
      <td data-label="Instance" class="mono">{`#${i.index}`}</td>
      <td data-label="Status">
        <Badge status={i.status} />
      </td>
      <td data-label="Agent" class="mono">
        {i.agentId ?? <span class="muted">—</span>}
      </td>
      <td data-label="Attempt" class="num">
        {i.attempt}
      </td>
      <td data-label="URLs" class="urls">
        {i.urls.length ? i.urls.map((u) => <UrlLink url={u} />) : <span class="muted">—</span>}
      </td>
      <td data-label="Exit code" class="num">
        {i.exitCode ?? <span class="muted">—</span>}
      </td>
      <td data-label="Note" class="note">
        {i.error ?? ''}
      </td>
      <td data-label="Updated">
        <Age iso={i.updatedAt} now={now} />
      </td>
    </tr>
  );
}

export function InstancesTable({ instances, now }: { instances: readonly InstanceView[]; now: number }) {
  return (
    <section class="card" aria-labelledby="instances-title">
      <div class="card-head">
        <h2 id="instances-title">Instances</h2>
      </div>
      <table class="grid" id="instancesTable">
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Status</th>
            <th scope="col">Agent</th>
            <th scope="col" class="num">Attempt</th>
            <th scope="col">URLs</th>
            <th scope="col" class="num">Exit code</th>
            <th scope="col">Note</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody id="instances-body">
          {instances.map((i) => (
            <InstanceRow instance={i} now={now} />
          ))}
        </tbody>
      </table>
      <p class="empty" id="instances-empty" hidden={instances.length > 0}>
        No instances yet: they are placed once the image is built.
      </p>
    </section>
  );
}
