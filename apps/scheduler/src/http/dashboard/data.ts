import { AppName, DeploymentId, type AgentView, type AppView, type DeploymentEvent, type DeploymentView } from '@draas/queue-contracts';
import { appView, appViews } from '../../apps/app-actions.js';
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
  /** Every app, by name. */
  apps(): Promise<AppView[]>;
  /** Null for an unknown or malformed name: the page answers a friendly 404. */
  app(name: string): Promise<AppView | null>;
}

/** A view, or null when it does not exist (NotFound). */
async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof NotFound) return null;
    throw err;
  }
}

export function contextData(ctx: SchedulerContext): DashboardData {
  return {
    agents: async () => (await ctx.agents.list()).map(toAgentView),
    deployments: (limit) => listViews(ctx, limit),
    deployment: async (id) => (DeploymentId.safeParse(id).success ? orNull(() => deploymentView(ctx, id)) : null),
    timeline: (id) => ctx.events.timeline(id),
    apps: async () => (await appViews(ctx)).sort((a, b) => a.name.localeCompare(b.name)),
    app: async (name) => (AppName.safeParse(name).success ? orNull(() => appView(ctx, name)) : null),
  };
}
