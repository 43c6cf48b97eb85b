import type { DeploymentView } from '@draas/queue-contracts';
import { canCancel, uniqueAgents } from '../format.js';
import { Age, Badge, UrlLink } from './badge.js';

export const deploymentHref = (id: string): string => `/dashboard/deployments/${id}`;

export function DeploymentRow({ deployment: d, now }: { deployment: DeploymentView; now: number }) {
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
        {d.urls.length ? d.urls.map((u) => <UrlLink url={u} />) : <span class="muted">—</span>}
      </td>
      <td data-label="Age">
        <Age iso={d.createdAt} now={now} />
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

export function DeploymentsTable({ deployments, now }: { deployments: readonly DeploymentView[]; now: number }) {
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
      <tbody id="deployments-body">
        {deployments.map((d) => (
          <DeploymentRow deployment={d} now={now} />
        ))}
      </tbody>
    </table>
  );
}
