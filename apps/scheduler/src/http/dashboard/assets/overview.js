// The overview, live from GET /api/events. An event only says what changed: the page asks the
// server for those rows (GET /dashboard/fragments/agents|deployments?id=…, apps?name=…, one request per burst)
// and swaps them in with the counts that go with them (parts.js). A dropped or overflowing stream,
// or the page coming back into view, re-reads the whole lists.
'use strict';

(() => {
  const D = window.DRaaS;
  /** More changed rows than this in one burst: the whole list is asked for instead. */
  const MAX_IDS = 50;

  /** One table kept live: `add(id, ms)` asks for that row within `ms`, `add(null, ms)` for them all. */
  function liveTable(kind, { flash = false, param = 'id' } = {}) {
    const add = D.coalesce(
      async (ids) => {
        const query = ids && ids.length <= MAX_IDS ? `?${new URLSearchParams(ids.map((id) => [param, id]))}` : '';
        const parts = await D.fetchParts(`/dashboard/fragments/${kind}${query}`);
        for (const id of D.applyParts(parts, { flash: flash && ids !== null })) add(id, 0);
      },
      (err) => D.toast(`Could not refresh the ${kind}: ${err.message}`, 'bad'),
    );
    return add;
  }

  const agents = liveTable('agents');
  const deployments = liveTable('deployments', { flash: true });
  const apps = liveTable('apps', { flash: true, param: 'name' });

  /** The app whose row names this deployment as one of its versions (`data-deployments`), if any. */
  function appOf(deploymentId) {
    for (const tr of document.getElementById('apps-body').rows) {
      if ((tr.dataset.deployments || '').split(' ').includes(deploymentId)) return tr.dataset.id;
    }
    return null;
  }

  function resync() {
    agents(null, 0);
    deployments(null, 0);
    apps(null, 0);
  }

  D.stream('/api/events', {
    deployment(event) {
      deployments(event.deploymentId, 250);
      // A version's instances changed: its app's health and rollout progress did too.
      const app = appOf(event.deploymentId);
      if (app) apps(app, 250);
    },
    app: (event) => apps(event.name, 250),
    agent: (event) => agents(event.agentId, 100),
    // A heartbeat, too, only prompts a fetch of its agent's row: /api/events is the API's JSON
    // stream for every client, so it sends no markup. The beats of all agents within half a second
    // are one request: a page reads the agents at most twice a second, however many there are.
    heartbeat: (beat) => agents(beat.agentId, 500),
  }, { onResync: resync });
  resync();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') resync();
  });

  // ---- actions ----

  async function cancel(id, name) {
    const ok = await D.confirmAction({
      title: `Cancel ${name}?`,
      body: `Deployment ${id} will stop: running containers get SIGTERM, then SIGKILL. This cannot be undone.`,
      confirm: 'Cancel deployment',
    });
    if (!ok) return;
    try {
      await D.api(`/api/deployments/${encodeURIComponent(id)}/cancel`, { method: 'POST', json: {} });
      deployments(id, 0);
      D.toast(`Cancelling ${name}`, 'ok');
    } catch (err) {
      D.toast(`Could not cancel ${name}: ${err.message}`, 'bad');
    }
  }

  document.getElementById('deployments-body').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action="cancel"]');
    if (button) cancel(button.dataset.id, button.dataset.name);
  });

  // ---- the original's deployment monitor (its routes and element ids) ----

  const input = document.getElementById('deploymentId');
  const out = document.getElementById('logs');
  document.getElementById('monitor-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = input.value.trim();
    if (!id) return void (out.textContent = 'Enter a deployment id.');
    out.textContent = 'Loading…';
    try {
      const d = await D.api(`/deployment_logs?deployment_id=${encodeURIComponent(id)}`);
      out.textContent = `Status: ${d.status}\nURLs: ${(d.urls || []).join(' ') || '—'}\n\n${d.logs}`;
    } catch (err) {
      out.textContent = `Error: ${err.message}`;
    }
  });
  document.getElementById('cancel').addEventListener('click', async () => {
    const id = input.value.trim();
    if (!id) return void (out.textContent = 'Enter a deployment id.');
    const ok = await D.confirmAction({ title: `Cancel ${id}?`, body: 'Its containers will be stopped. This cannot be undone.', confirm: 'Cancel deployment' });
    if (!ok) return;
    try {
      const d = await D.api('/cancel_deployment', { method: 'POST', json: { deployment_id: id } });
      out.textContent = `Cancellation: ${d.status}`;
    } catch (err) {
      out.textContent = `Error: ${err.message}`;
    }
  });
})();
