import type { AppView } from '@draas/queue-contracts';
import { AppDetails, AppHead, AppRollback, appTitle } from '../components/app-head.js';
import { AppInstances } from '../components/app-instances.js';
import { AppVersions } from '../components/app-versions.js';
import { deploymentHref } from '../components/deployments-table.js';
import { Layout } from '../components/layout.js';
import { LogPanel } from '../components/log-panel.js';

/** The version whose log the page shows: the one rolling out, else the serving one, else the newest. */
export function logVersion(a: AppView) {
  const wanted = a.target ?? a.current;
  return a.versions.find((v) => v.version === wanted) ?? a.versions[0] ?? null;
}

/** Which deployment's log the panel follows (`data-id`); app.js switches streams when it changes. */
export function LogSource({ app }: { app: AppView }) {
  const v = logVersion(app);
  return (
    <span class="hint log-source" id="a-log-of" data-id={v?.deploymentId ?? ''}>
      {v ? (
        <>
          {`· of v${v.version}, deployment `}
          <a class="mono" href={deploymentHref(v.deploymentId)}>
            {v.deploymentId}
          </a>
        </>
      ) : (
        '· no version yet'
      )}
    </span>
  );
}

/**
 * What changes on the app page: head, details, rollback choices, versions, instances and the log's
 * version, each with an id. GET /dashboard/fragments/apps/:name renders them alone for app.js.
 */
export function AppParts({ app }: { app: AppView }) {
  return (
    <>
      <AppHead app={app} />
      <div class="stack">
        <AppDetails app={app} />
        <AppRollback app={app} />
        <AppVersions versions={app.versions} />
        <AppInstances instances={app.instances} />
      </div>
    </>
  );
}

export function AppPage({ app, now }: { app: AppView; now: number }) {
  const v = logVersion(app);
  return (
    <Layout title={appTitle(app)} section="app" scripts={['log-view.js', 'parts.js', 'app.js']} data={{ page: 'app', 'app-name': app.name }} now={now}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/dashboard">Overview</a> <span aria-hidden="true">/</span> <span>{`app ${app.name}`}</span>
      </nav>
      <AppParts app={app} />
      <LogPanel deploymentId={v?.deploymentId ?? ''} source={<LogSource app={app} />} />
    </Layout>
  );
}
