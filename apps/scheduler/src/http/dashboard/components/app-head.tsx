import type { AppView } from '@draas/queue-contracts';
import { rolloutProgress, versionText } from './app-health.js';
import { Badge, UrlLink } from './badge.js';

// The app page's head (name, status, address first), its details, and the rollback form. Each is a
// part that GET /dashboard/fragments/apps/:name renders again (app.js swaps it in).

/** The app page's title: its status first, so that a tab says how it is going. */
export const appTitle = (a: AppView): string => `${a.status} · ${a.name}`;

const none = <span class="muted">—</span>;

/** `data-deployments`: every version's deployment, whose events make app.js read the page again. */
export function AppHead({ app: a }: { app: AppView }) {
  return (
    <div class="page-head" id="a-head" data-deployments={a.versions.map((v) => v.deploymentId).join(' ')}>
      <div>
        <h1>
          {a.name} <Badge status={a.status} id="a-status" />
        </h1>
        <p class="app-address" id="a-address">
          {a.address ? <UrlLink url={a.address} /> : <span class="muted">No address: this scheduler has no router configured.</span>}
        </p>
      </div>
    </div>
  );
}

export function AppDetails({ app: a }: { app: AppView }) {
  const r = a.rollout;
  return (
    <section class="card" id="a-details" aria-labelledby="a-details-title">
      <div class="card-head">
        <h2 id="a-details-title">Details</h2>
      </div>
      <dl class="details">
        <div>
          <dt>Status</dt>
          <dd>
            <Badge status={a.status} />
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd class="mono" id="a-version">
            {versionText(a)}
          </dd>
        </div>
        <div>
          <dt>Serving</dt>
          <dd id="a-healthy">{`${a.healthy} / ${a.replicas}`}</dd>
        </div>
        <div>
          <dt>Rollout</dt>
          <dd id="a-progress">{rolloutProgress(a) ?? none}</dd>
        </div>
        <div>
          <dt>Replicas</dt>
          <dd>{a.replicas}</dd>
        </div>
        <div class="span-2">
          <dt>Rollout settings</dt>
          <dd>{`max surge ${r.maxSurge}, max unavailable ${r.maxUnavailable}, healthy within ${r.healthDeadlineMs / 1000}s`}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time datetime={a.createdAt} data-local="">
              {a.createdAt}
            </time>
          </dd>
        </div>
      </dl>
    </section>
  );
}

/**
 * Rollback: a new version repeating an earlier one (POST /api/apps/:name/rollback, from app.js).
 * The default asks the scheduler for the previous version that ran healthy.
 */
export function AppRollback({ app: a }: { app: AppView }) {
  const choices = a.versions.filter((v) => !(v.version === a.current && a.target === null));
  return (
    <form class="card rollback" id="a-rollback" aria-labelledby="a-rollback-title">
      <h2 id="a-rollback-title">Rollback</h2>
      <label for="rollback-version">Repeat</label>
      <select id="rollback-version" name="version">
        <option value="">the previous healthy version</option>
        {choices.map((v) => (
          <option value={String(v.version)}>{`v${v.version} (${v.state})`}</option>
        ))}
      </select>
      <button id="rollback" class="btn" type="submit">
        Roll back…
      </button>
    </form>
  );
}
