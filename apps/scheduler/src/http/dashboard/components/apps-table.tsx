import type { AppView } from '@draas/queue-contracts';
import { appHref, HealthDots, rolloutProgress, versionText } from './app-health.js';
import { Badge, UrlLink } from './badge.js';

// The overview's apps: one row per app, first on the page. A row names its versions' deployments
// (`data-deployments`), so that overview.js knows which app a deployment event concerns.

const none = <span class="muted">—</span>;

export function AppRow({ app: a }: { app: AppView }) {
  const progress = rolloutProgress(a);
  return (
    <tr data-id={a.name} data-deployments={a.versions.map((v) => v.deploymentId).join(' ')}>
      <td data-label="App">
        <a class="strong" href={appHref(a.name)}>
          {a.name}
        </a>
      </td>
      <td data-label="Address" class="urls">
        {a.address ? <UrlLink url={a.address} /> : none}
      </td>
      <td data-label="Status">
        <Badge status={a.status} />
      </td>
      <td data-label="Version" class="mono">
        {versionText(a)}
      </td>
      <td data-label="Health">
        <HealthDots instances={a.instances} /> <span class="sub">{`${a.healthy}/${a.replicas} serving`}</span>
      </td>
      <td data-label="Rollout">{progress ?? none}</td>
    </tr>
  );
}

/** As DeploymentsBody: `rows` (default: all) of the apps, by name, and every name in order. */
export function AppsBody({ apps, rows = apps }: { apps: readonly AppView[]; rows?: readonly AppView[] }) {
  return (
    <tbody id="apps-body" data-ids={apps.map((a) => a.name).join(' ')}>
      {rows.map((a) => (
        <AppRow app={a} />
      ))}
    </tbody>
  );
}

export function AppsEmpty({ count }: { count: number }) {
  return (
    <p class="empty" id="apps-empty" hidden={count > 0}>
      No apps yet. An app is a name with one address, and each deploy to it is a new version rolled out behind it: give the
      deployment an app name (<code>{'"app": "web"'}</code> in <code>POST /api/deployments</code>).
    </p>
  );
}

export function AppsTable({ apps }: { apps: readonly AppView[] }) {
  return (
    <table class="grid" id="appsTable">
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Address</th>
          <th scope="col">Status</th>
          <th scope="col">Version</th>
          <th scope="col">Health</th>
          <th scope="col">Rollout</th>
        </tr>
      </thead>
      <AppsBody apps={apps} />
    </table>
  );
}
