import { isTerminalDeployment, newInstanceRecord, type AppRecord, type InstanceRecord } from '@draas/queue-contracts';
import type { ClusterState } from '../cluster/state.js';
import type { VersionInstances } from './rollout-plan.js';

// Reads an app's versions with their instances, for the rollout pass, the routing table and the
// views alike. A version neither serving nor rolling out whose deployment has ended (nothing of it
// runs or waits to) is left out unless `all` is asked for.

/**
 * Instances 0..replicas-1 of each version. An index the rollout asked for whose record placement has
 * not made yet reads as a new pending instance, so that it counts as on its way.
 */
export async function readVersions(state: ClusterState, app: AppRecord, all = false): Promise<VersionInstances[]> {
  const deployments = await state.deployments(app.versions.map((v) => v.deploymentId));
  const byId = new Map(deployments.map((d) => [d.id, d]));
  const out: VersionInstances[] = [];
  await Promise.all(
    app.versions.map(async (version) => {
      const deployment = byId.get(version.deploymentId);
      if (!deployment) return;
      const isActive = version.version === app.current || version.version === app.target;
      if (!all && !isActive && isTerminalDeployment(deployment.status)) return;
      const found = await state.instances(deployment.id, deployment.spec.replicas);
      const have = new Map(found.map((i) => [i.index, i]));
      const instances: InstanceRecord[] = Array.from(
        { length: deployment.spec.replicas },
        (_, index) => have.get(index) ?? newInstanceRecord(deployment.id, index, deployment.updatedAt),
      );
      out.push({ version, deployment, instances });
    }),
  );
  return out.sort((a, b) => a.version.version - b.version.version);
}
