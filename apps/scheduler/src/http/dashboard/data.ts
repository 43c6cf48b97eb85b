import { DeploymentId, type AgentView, type DeploymentEvent, type DeploymentView } from '@draas/queue-contracts';
import type { SchedulerContext } from '../../context.js';
import { toAgentView } from '../../deployments/views.js';
import { NotFound } from '../../errors.js';
import { deploymentView, listViews } from '../views.js';

/** How many deployments the overview lists, newest first. */
export const LIST_LIMIT = 100;

/** What the pages read: the same views the API answers with, so the page and the API never disagree. */
export interface DashboardData {
  agents(): Promise<AgentView[]>;
  deployments(limit: number): Promise<DeploymentView[]>;
  /** Null for an unknown or malformed id: the page answers a friendly 404. */
  deployment(id: string): Promise<DeploymentView | null>;
  timeline(id: string): Promise<DeploymentEvent[]>;
}

export function contextData(ctx: SchedulerContext): DashboardData {
  return {
    agents: async () => (await ctx.agents.list()).map(toAgentView),
    deployments: (limit) => listViews(ctx, limit),
    async deployment(id) {
      if (!DeploymentId.safeParse(id).success) return null;
      try {
        return await deploymentView(ctx, id);
      } catch (err) {
        if (err instanceof NotFound) return null;
        throw err;
      }
    },
    timeline: (id) => ctx.events.timeline(id),
  };
}
