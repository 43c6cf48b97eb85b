import type { InstanceView } from '@draas/queue-contracts';
import { Age, Badge, UrlList } from './badge.js';

export function InstanceRow({ instance: i }: { instance: InstanceView }) {
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
        <UrlList urls={i.urls} />
      </td>
      <td data-label="Exit code" class="num">
        {i.exitCode ?? <span class="muted">—</span>}
      </td>
      <td data-label="Note" class="note">
        {i.error ?? ''}
      </td>
      <td data-label="Updated">
        <Age iso={i.updatedAt} />
      </td>
    </tr>
  );
}

export function InstancesTable({ instances }: { instances: readonly InstanceView[] }) {
  return (
    <section class="card" id="d-instances" aria-labelledby="instances-title">
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
            <InstanceRow instance={i} />
          ))}
        </tbody>
      </table>
      <p class="empty" id="instances-empty" hidden={instances.length > 0}>
        No instances yet: they are placed once the image is built.
      </p>
    </section>
  );
}
