import type { DeploymentView } from '@draas/queue-contracts';
import { canCancel, uniqueAgents } from '../format.js';
import { Age, Badge, UrlList } from './badge.js';

export const deploymentHref = (id: string): string => `/dashboard/deployments/${id}`;

export function DeploymentRow({ deployment: d }: { deployment: DeploymentView }) {
  const running = d.instances.filter((i) => i.status === 'running').length;
  const agents = uniqueAgents(d.instances);
  return (
    <tr data-id={d.id}>
      <td data-label="Deployment">
        <a class="strong" href={deploymentHref(d.id)}>
          {d.name}
        </a>
        <div class="sub mono">{d.id}</div>
      </td>
      <td data-label="Status">
        <Badge status={d.status} />
      </td>
      <td data-label="Instances" class="num">
        {`${running} / ${d.replicas}`}
      </td>
      <td data-label="Agents" class="mono">
        {agents.length ? agents.join(', ') : <span class="muted">—</span>}
      </td>
      <td data-label="URLs" class="urls">
        <UrlList urls={d.urls} />
      </td>
      <td data-label="Age">
        <Age iso={d.createdAt} />
      </td>
      <td class="row-actions">
        <a class="btn small" href={deploymentHref(d.id)} aria-label={`Open ${d.name} (${d.id})`}>
          Open
        </a>
        <button class="btn small danger-ghost" type="button" data-action="cancel" data-id={d.id} data-name={d.name} disabled={!canCancel(d)} aria-label={`Cancel ${d.name} (${d.id})`}>
          Cancel
        </button>
      </td>
    </tr>
  );
}

/** As AgentsBody: `rows` (default: all) of the listed deployments, newest first, and every id in order. */
export function DeploymentsBody({ deployments, rows = deployments }: { deployments: readonly DeploymentView[]; rows?: readonly DeploymentView[] }) {
  return (
    <tbody id="deployments-body" data-ids={deployments.map((d) => d.id).join(' ')}>
      {rows.map((d) => (
        <DeploymentRow deployment={d} />
      ))}
    </tbody>
  );
}

export function DeploymentsEmpty({ count }: { count: number }) {
  return (
    <p class="empty" id="deployments-empty" hidden={count > 0}>
      Nothing deployed yet. <a href="/dashboard/new">Deploy a ZIP or an image</a>.
    </p>
  );
}

export function DeploymentsTable({ deployments }: { deployments: readonly DeploymentView[] }) {
  return (
    <table class="grid" id="deploymentsTable">
      <thead>
        <tr>
          <th scope="col">Deployment</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">Instances</th>
          <th scope="col">Agents</th>
          <th scope="col">URLs</th>
          <th scope="col">Age</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <DeploymentsBody deployments={deployments} />
    </table>
  );
}
