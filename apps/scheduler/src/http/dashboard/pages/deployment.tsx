import type { DeploymentEvent, DeploymentView } from '@draas/queue-contracts';
import { canCancel } from '../format.js';
import { Badge } from '../components/badge.js';
import { DeploymentDetails } from '../components/deployment-details.js';
import { InstancesTable } from '../components/instances-table.js';
import { Layout } from '../components/layout.js';
import { LogPanel } from '../components/log-panel.js';
import { Timeline } from '../components/timeline.js';

export interface DeploymentPageProps {
  deployment: DeploymentView;
  timeline: readonly DeploymentEvent[];
  now: number;
}

export function DeploymentPage({ deployment: d, timeline, now }: DeploymentPageProps) {
  return (
    <Layout title={d.name} section="deployment" scripts={['log-view.js', 'deployment.js']} data={{ page: 'deployment', 'deployment-id': d.id, 'deployment-name': d.name }}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/dashboard">Overview</a> <span aria-hidden="true">/</span> <span>{d.name}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1>
            {d.name} <Badge status={d.status} id="d-status" />
          </h1>
          <div class="sub mono">{d.id}</div>
        </div>
        <div class="page-actions">
          <button id="redeploy" class="btn" type="button" disabled={d.image === null} title={d.image === null ? 'Nothing to redeploy until an image is built' : undefined}>
            Redeploy…
          </button>
          <button id="cancel-deployment" class="btn danger" type="button" disabled={!canCancel(d)}>
            Cancel deployment…
          </button>
        </div>
      </div>
      <div class="deployment-layout">
        <div class="stack">
          <DeploymentDetails deployment={d} />
          <InstancesTable instances={d.instances} now={now} />
        </div>
        <Timeline events={timeline} />
      </div>
      <LogPanel deploymentId={d.id} />
    </Layout>
  );
}
