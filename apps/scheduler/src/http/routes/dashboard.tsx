import { Hono } from 'hono';
import type { SchedulerContext } from '../../context.js';
import { toAgentView } from '../../deployments/views.js';
import { listViews } from '../views.js';
import { Page } from './page.js';

// The original's dashboard, kept working: agents, deployments, and the deployment monitor (an id,
// its logs, cancel). Every user-controlled string goes through JSX, which escapes it.

const monitorScript = `
const $ = (id) => document.getElementById(id);
async function call(url, init) {
  const res = await fetch(url, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || (body.error && body.error.message) || res.statusText);
  return body;
}
$('fetch').addEventListener('click', async () => {
  try {
    const d = await call('/deployment_logs?deployment_id=' + encodeURIComponent($('deploymentId').value.trim()));
    $('logs').textContent = 'Status: ' + d.status + '\\nURLs: ' + (d.urls || []).join(' ') + '\\n\\n' + d.logs;
  } catch (e) { $('logs').textContent = 'Error: ' + e.message; }
});
$('cancel').addEventListener('click', async () => {
  const id = $('deploymentId').value.trim();
  if (!id || !confirm('Cancel deployment ' + id + '?')) return;
  try {
    const d = await call('/cancel_deployment', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deployment_id: id }) });
    $('logs').textContent = 'Cancellation: ' + d.status;
  } catch (e) { $('logs').textContent = 'Error: ' + e.message; }
});
`;

export function dashboardRoutes(ctx: SchedulerContext): Hono {
  const app = new Hono();
  app.get('/dashboard', async (c) => {
    const [agents, deployments] = await Promise.all([ctx.agents.list(), listViews(ctx, 100)]);
    return c.html(
      <Page title="DRaaS · dashboard">
        <main>
          <h1>DRaaS</h1>
          <h2>Agents</h2>
          <table id="agentsTable">
            <thead><tr><th>Agent ID</th><th>IP</th><th>State</th><th>CPU</th><th>Memory</th><th>Running</th><th>Last seen</th></tr></thead>
            <tbody>
              {agents.map(toAgentView).map((a) => (
                <tr>
                  <td>{a.agentId}</td><td>{a.address}</td><td>{a.state}</td><td>{a.resources.cpuPercent.toFixed(1)}%</td>
                  <td>{Math.round((a.resources.memoryTotalBytes - a.resources.memoryAvailableBytes) / 1024 ** 2)} MB</td>
                  <td>{a.runningInstances}/{a.capacity.maxInstances}</td><td>{a.lastSeen}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Deployments</h2>
          <table id="deploymentsTable">
            <thead><tr><th>ID</th><th>Name</th><th>Status</th><th>Instances</th><th>URLs</th><th>Created</th></tr></thead>
            <tbody>
              {deployments.map((d) => (
                <tr>
                  <td>{d.id}</td><td>{d.name}</td><td class={`status-${d.status}`}>{d.status}</td>
                  <td>{d.instances.filter((i) => i.status === 'running').length}/{d.replicas}</td>
                  <td>{d.urls.map((u) => <div><a href={u}>{u}</a></div>)}</td><td>{d.createdAt}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Deployment monitor</h2>
          <label for="deploymentId">Deployment ID</label>
          <input id="deploymentId" type="text" />
          <p><button id="fetch" type="button">Fetch logs</button> <button id="cancel" type="button">Cancel deployment</button></p>
          <pre id="logs"></pre>
          <script dangerouslySetInnerHTML={{ __html: monitorScript }} />
        </main>
      </Page>,
    );
  });
  return app;
}
