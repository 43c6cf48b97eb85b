import type { DeploymentEvent, DeploymentView } from '@draas/queue-contracts';
import { DeploymentDetails } from '../components/deployment-details.js';
import { DeploymentHead, deploymentTitle } from '../components/deployment-head.js';
import { InstancesTable } from '../components/instances-table.js';
import { Layout } from '../components/layout.js';
import { LogPanel } from '../components/log-panel.js';
import { Timeline } from '../components/timeline.js';

export interface DeploymentPartsProps {
  deployment: DeploymentView;
  timeline: readonly DeploymentEvent[];
}

/**
 * What changes on the deployment page: head, details, instances and timeline, each with an id. The
 * page renders them, and GET /dashboard/fragments/deployments/:id renders them alone for
 * deployment.js to swap in.
 */
export function DeploymentParts({ deployment, timeline }: DeploymentPartsProps) {
  return (
    <>
      <DeploymentHead deployment={deployment} />
      <div class="deployment-layout">
        <div class="stack">
          <DeploymentDetails deployment={deployment} />
          <InstancesTable instances={deployment.instances} />
        </div>
        <Timeline events={timeline} />
      </div>
    </>
  );
}

export function DeploymentPage({ deployment: d, timeline, now }: DeploymentPartsProps & { now: number }) {
  return (
    <Layout
      title={deploymentTitle(d)}
      section="deployment"
      scripts={['log-view.js', 'parts.js', 'deployment.js']}
      data={{ page: 'deployment', 'deployment-id': d.id, 'deployment-name': d.name }}
      now={now}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/dashboard">Overview</a> <span aria-hidden="true">/</span> <span>{d.name}</span>
      </nav>
      <DeploymentParts deployment={d} timeline={timeline} />
      <LogPanel deploymentId={d.id} />
    </Layout>
  );
}
