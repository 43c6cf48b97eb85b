import { Channels, formatZodError, isTerminalDeployment, type AgentView, type DeploymentView, type InstanceView } from '@draas/queue-contracts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SchedulerContext } from '../../context.js';
import { cancelDeployment, type CancelOptions } from '../../deployments/cancel.js';
import { toAgentView } from '../../deployments/views.js';
import { AppError, BadRequest } from '../../errors.js';
import type { PubSubHub } from '../../store/pubsub.js';
import { createFromMultipart, readJson } from '../create-deployment.js';
import { classify } from '../errors.js';
import { deploymentIdParam, deploymentView, listViews } from '../views.js';
import { Wakeup } from '../../util/wakeup.js';

// The original's routes, with its payload shapes, so that its client and scripts keep working. Its
// upload answered once the container ran, with the mapped ports; this one does too (bounded wait).

type DockerPorts = Record<string, { HostIp: string; HostPort: string }[]>;

/** The original's cancel body; its `agent_ip` is accepted and not needed (the scheduler knows). */
const CancelBody = z.strictObject({ deployment_id: z.string().min(1), agent_ip: z.string().max(255).optional() });

const mappedPorts = (instances: readonly InstanceView[]): DockerPorts => {
  const ports: DockerPorts = {};
  for (const p of instances.flatMap((i) => (i.status === 'running' ? i.ports : []))) {
    (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return ports;
};

function agentAddress(view: DeploymentView, agents: Map<string, AgentView>): string | null {
  const agentId = view.instances.find((i) => i.agentId)?.agentId;
  return agentId ? (agents.get(agentId)?.address ?? null) : null;
}

/** The original answered errors as `{ "status": "error", "message" }`. */
async function originalShape(c: Context, handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (err) {
    const { status, message } = classify(err as Error);
    if (!(err instanceof AppError) && status >= 500) throw err;
    return c.json({ status: 'error', message }, status);
  }
}

export function compatRoutes(ctx: SchedulerContext, hub: PubSubHub, cancelOptions: CancelOptions, waitMs: number): Hono {
  const app = new Hono();
  const agentsById = async () => new Map((await ctx.agents.list()).map((a) => [a.heartbeat.agentId, toAgentView(a)]));

  app.post('/upload_code', (c) =>
    originalShape(c, async () => {
      const created = await createFromMultipart(ctx, c.req.raw, 'code');
      const view = await waitUntilSettled(ctx, hub, created.id, waitMs);
      if (view.status === 'failed') return c.json({ status: 'error', message: view.error ?? 'deployment failed', deployment_id: view.id }, 500);
      const deployed = view.status === 'running';
      return c.json(
        {
          status: deployed ? 'deployed' : view.status,
          agent: agentAddress(view, await agentsById()),
          image: view.image,
          deployment_id: view.id,
          mapped_ports: mappedPorts(view.instances),
          urls: view.urls,
          logs: '',
        },
        deployed ? 200 : 202,
      );
    }),
  );

  app.get('/deployment_logs', (c) =>
    originalShape(c, async () => {
      const raw = c.req.query('deployment_id');
      if (!raw) throw new BadRequest('No deployment id provided');
      const view = await deploymentView(ctx, deploymentIdParam(raw));
      const lines = await ctx.logs.tail(view.id, ctx.config.logHistoryLines);
      return c.json({ status: view.status, mapped_ports: mappedPorts(view.instances), logs: lines.map((l) => l.line).join('\n'), urls: view.urls, image: view.image });
    }),
  );

  app.post('/cancel_deployment', (c) =>
    originalShape(c, async () => {
      const body = CancelBody.safeParse(await readJson(c.req.raw));
      if (!body.success) throw new BadRequest(body.error.issues.some((i) => i.path[0] === 'deployment_id') ? 'No deployment id provided' : formatZodError(body.error));
      await cancelDeployment(ctx.scheduling, deploymentIdParam(body.data.deployment_id), cancelOptions);
      return c.json({ status: 'cancelled', deployment_id: body.data.deployment_id });
    }),
  );

  app.get('/agents', async (c) => {
    const out: Record<string, unknown> = {};
    for (const a of (await agentsById()).values()) {
      out[a.agentId] = {
        ip: a.address,
        cpu: Math.round(a.resources.cpuPercent * 10) / 10,
        memory: Math.round((a.resources.memoryTotalBytes - a.resources.memoryAvailableBytes) / 1024 ** 2),
        last_seen: Date.parse(a.lastSeen) / 1000,
        state: a.state === 'offline' ? 'Offline' : a.runningInstances > 0 ? 'Busy' : 'Free',
      };
    }
    return c.json(out);
  });

  app.get('/deployments', async (c) => {
    const agents = await agentsById();
    const out: Record<string, unknown> = {};
    for (const view of await listViews(ctx, 1000)) {
      out[view.id] = { status: view.status, agent: agentAddress(view, agents) ?? '', image: view.image, name: view.name, mapped_ports: mappedPorts(view.instances), urls: view.urls };
    }
    return c.json(out);
  });

  return app;
}

/** Waits until every instance runs or the deployment has ended, or the time is up. */
async function waitUntilSettled(ctx: SchedulerContext, hub: PubSubHub, id: string, waitMs: number): Promise<DeploymentView> {
  const wake = new Wakeup();
  const off = await hub.on(Channels(ctx.keys.prefix).events, () => wake.notify());
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      const view = await deploymentView(ctx, id);
      const allRunning = view.status === 'running' && view.instances.length > 0 && view.instances.every((i) => i.status === 'running');
      if (allRunning || isTerminalDeployment(view.status) || Date.now() >= deadline) return view;
      await wake.wait(Math.min(1000, deadline - Date.now()));
    }
  } finally {
    await off();
  }
}
