import type { AppVersionView } from '@draas/queue-contracts';
import { Badge } from './badge.js';
import { deploymentHref } from './deployments-table.js';

/** Every version, newest first: each is a deployment, linked to its page. */
export function AppVersions({ versions }: { versions: readonly AppVersionView[] }) {
  return (
    <section class="card" id="a-versions" aria-labelledby="a-versions-title">
      <div class="card-head">
        <h2 id="a-versions-title">Versions</h2>
      </div>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Reason</th>
            <th scope="col">Deployment</th>
            <th scope="col">Image</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody id="versions-body">
          {versions.map((v) => (
            <tr data-id={String(v.version)}>
              <td data-label="Version" class="mono strong">
                {`v${v.version}`}
                {v.rollbackOf === null ? null : <div class="sub">{`rollback to v${v.rollbackOf}`}</div>}
              </td>
              <td data-label="State">
                <Badge status={v.state} /> <Badge status={v.status} />
              </td>
              <td data-label="Reason" class="note">
                {v.reason ?? v.error ?? ''}
              </td>
              <td data-label="Deployment" class="mono">
                <a href={deploymentHref(v.deploymentId)}>{v.deploymentId}</a>
              </td>
              <td data-label="Image" class="mono">
                {v.image ?? <span class="muted">—</span>}
              </td>
              <td data-label="Created">
                <time datetime={v.createdAt} data-local="">
                  {v.createdAt}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
