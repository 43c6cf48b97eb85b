import type { AppInstanceView } from '@draas/queue-contracts';
import { Badge, UrlLink } from './badge.js';
import { deploymentHref } from './deployments-table.js';

const none = <span class="muted">—</span>;

/** The instances in service or on their way, and those being taken out, of every version. */
export function AppInstances({ instances }: { instances: readonly AppInstanceView[] }) {
  return (
    <section class="card" id="a-instances" aria-labelledby="a-instances-title">
      <div class="card-head">
        <h2 id="a-instances-title">Instances</h2>
      </div>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Instance</th>
            <th scope="col">Agent</th>
            <th scope="col">Status</th>
            <th scope="col">Health</th>
            <th scope="col">Router</th>
            <th scope="col">URL</th>
          </tr>
        </thead>
        <tbody id="app-instances-body">
          {instances.map((i) => (
            <tr data-id={`${i.deploymentId}-${i.index}`}>
              <td data-label="Version" class="mono">
                <a href={deploymentHref(i.deploymentId)}>{`v${i.version}`}</a>
              </td>
              <td data-label="Instance" class="mono">{`#${i.index}`}</td>
              <td data-label="Agent" class="mono">
                {i.agentId ?? none}
              </td>
              <td data-label="Status">
                <Badge status={i.status} />
              </td>
              <td data-label="Health" class="note">
                {i.health ? <Badge status={i.health} /> : none}
                {i.healthError ? <div class="sub">{i.healthError}</div> : null}
                {i.error ? <div class="sub">{i.error}</div> : null}
              </td>
              <td data-label="Router">{i.retiring ? 'retiring' : i.serving ? 'serving' : none}</td>
              <td data-label="URL" class="urls">
                {i.url ? <UrlLink url={i.url} /> : none}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="empty" id="app-instances-empty" hidden={instances.length > 0}>
        No instances: they start once a version's image is ready.
      </p>
    </section>
  );
}
