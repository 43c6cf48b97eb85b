// The overview: agents and deployments, kept live from GET /api/events. Events are prompts: a
// deployment event re-reads that deployment from the API; a dropped or overflowing stream re-reads
// the lists. Heartbeats carry an agent's whole state and are applied as they come.
'use strict';

(() => {
  const D = window.DRaaS;
  const { h } = D;
  const LIMIT = 100;
  const agentsBody = document.getElementById('agents-body');
  const deploymentsBody = document.getElementById('deployments-body');
  const agents = new Map();
  const deployments = new Map();

  // ---- rows (the same markup as the server's AgentRow and DeploymentRow) ----

  function gauge(value, label, text) {
    const meter = h('meter', { min: 0, max: 100, low: 60, high: 85, optimum: 0, 'aria-label': label });
    meter.value = Math.round(value);
    return h('div', { class: 'gauge' }, meter, h('span', { class: 'gauge-text' }, text));
  }

  function agentRow(a) {
    const r = a.resources;
    const memUsed = r.memoryTotalBytes - r.memoryAvailableBytes;
    const labels = Object.entries(a.labels || {});
    return h('tr', { 'data-id': a.agentId },
      h('td', { 'data-label': 'Agent' },
        h('span', { class: 'mono strong' }, a.agentId),
        h('div', { class: 'sub' }, `agent ${a.versions.agent} · docker ${a.versions.docker}`)),
      h('td', { 'data-label': 'State' }, D.badge(a.state)),
      h('td', { 'data-label': 'Address', class: 'mono' }, a.address),
      h('td', { 'data-label': 'Labels' }, labels.length
        ? h('span', { class: 'chips' }, labels.map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`)))
        : h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'CPU' }, gauge(r.cpuPercent, `CPU of ${a.agentId}`, `${r.cpuPercent.toFixed(0)}% of ${r.cpus} cores`)),
      h('td', { 'data-label': 'Memory' }, gauge(r.memoryTotalBytes > 0 ? (memUsed / r.memoryTotalBytes) * 100 : 0,
        `Memory of ${a.agentId}`, `${D.formatBytes(memUsed)} of ${D.formatBytes(r.memoryTotalBytes)}`)),
      h('td', { 'data-label': 'Running', class: 'num' }, `${a.runningInstances} / ${a.capacity.maxInstances}`),
      h('td', { 'data-label': 'Last seen' }, D.age(a.lastSeen)));
  }

  const href = (id) => `/dashboard/deployments/${encodeURIComponent(id)}`;

  function deploymentRow(d) {
    const running = d.instances.filter((i) => i.status === 'running').length;
    const agentIds = [...new Set(d.instances.map((i) => i.agentId).filter(Boolean))];
    return h('tr', { 'data-id': d.id },
      h('td', { 'data-label': 'Deployment' },
        h('a', { class: 'strong', href: href(d.id) }, d.name),
        h('div', { class: 'sub mono' }, d.id)),
      h('td', { 'data-label': 'Status' }, D.badge(d.status)),
      h('td', { 'data-label': 'Instances', class: 'num' }, `${running} / ${d.replicas}`),
      h('td', { 'data-label': 'Agents', class: 'mono' }, agentIds.length ? agentIds.join(', ') : h('span', { class: 'muted' }, '—')),
      h('td', { 'data-label': 'URLs', class: 'urls' }, D.urlList(d.urls)),
      h('td', { 'data-label': 'Age' }, D.age(d.createdAt)),
      h('td', { class: 'row-actions' },
        h('a', { class: 'btn small', href: href(d.id), 'aria-label': `Open ${d.name} (${d.id})` }, 'Open'),
        h('button', {
          class: 'btn small danger-ghost', type: 'button', 'data-action': 'cancel', 'data-id': d.id, 'data-name': d.name,
          disabled: d.desired === 'cancelled' || d.status === 'cancelled', 'aria-label': `Cancel ${d.name} (${d.id})`,
        }, 'Cancel')));
  }

  /** Swaps a row for its new version, keeping keyboard focus on the same control. */
  function swap(old, fresh) {
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    old.replaceWith(fresh);
    if (focused) {
      const twin = fresh.querySelector(focused.dataset.action ? `[data-action="${focused.dataset.action}"]` : focused.tagName);
      if (twin && !twin.disabled) twin.focus();
    }
  }

  const rowOf = (body, id) => [...body.children].find((tr) => tr.dataset.id === id) || null;

  // ---- state → page ----

  // Until a list has been read from the API, the server-rendered numbers stand.
  const loaded = { agents: false, deployments: false };

  function updateStats() {
    if (loaded.agents) {
      const all = [...agents.values()];
      document.getElementById('stat-agents').textContent = `${all.filter((a) => a.state === 'online').length} / ${all.length}`;
      document.getElementById('agents-empty').hidden = all.length > 0;
    }
    if (loaded.deployments) {
      const list = [...deployments.values()];
      document.getElementById('stat-running').textContent = String(list.filter((d) => d.status === 'running').length);
      document.getElementById('stat-failed').textContent = String(list.filter((d) => d.status === 'failed').length);
      document.getElementById('stat-deployments').textContent = String(list.length);
      document.getElementById('deployments-empty').hidden = list.length > 0;
    }
  }

  function putAgent(a) {
    agents.set(a.agentId, a);
    const old = rowOf(agentsBody, a.agentId);
    const fresh = agentRow(a);
    if (old) swap(old, fresh);
    else {
      const after = [...agentsBody.children].find((tr) => tr.dataset.id > a.agentId);
      agentsBody.insertBefore(fresh, after || null);
    }
    updateStats();
  }

  function putDeployment(d, { flash = false } = {}) {
    const known = deployments.has(d.id);
    deployments.set(d.id, d);
    const old = rowOf(deploymentsBody, d.id);
    const fresh = deploymentRow(d);
    if (flash && (!known || (old && old.querySelector('.badge').dataset.status !== d.status))) fresh.classList.add('flash');
    if (old) swap(old, fresh);
    else {
      // Newest first, as the API lists them.
      const after = [...deploymentsBody.children].find((tr) => (deployments.get(tr.dataset.id)?.createdAt || '') < d.createdAt);
      deploymentsBody.insertBefore(fresh, after || null);
      while (deploymentsBody.children.length > LIMIT) {
        deployments.delete(deploymentsBody.lastElementChild.dataset.id);
        deploymentsBody.lastElementChild.remove();
      }
    }
    updateStats();
  }

  function dropDeployment(id) {
    deployments.delete(id);
    rowOf(deploymentsBody, id)?.remove();
    updateStats();
  }

  // ---- reading the API ----

  /**
   * Makes a table show exactly `ids` in that order, the rows already there updated in place (by
   * `put`), so that a control the user has focused, or is about to press, stays where it is.
   */
  function reconcile(body, ids, put) {
    const wanted = new Set(ids);
    for (const tr of [...body.children]) if (!wanted.has(tr.dataset.id)) tr.remove();
    put();
    const order = [...body.children].map((tr) => tr.dataset.id);
    if (order.join('\n') === ids.join('\n')) return;
    const focused = document.activeElement;
    for (const id of ids) {
      const tr = rowOf(body, id);
      if (tr) body.append(tr);
    }
    if (focused && body.contains(focused)) focused.focus();
  }

  async function loadAgents() {
    const { agents: list } = await D.api('/api/agents');
    list.sort((x, y) => (x.agentId < y.agentId ? -1 : 1));
    agents.clear();
    loaded.agents = true;
    reconcile(agentsBody, list.map((a) => a.agentId), () => list.forEach(putAgent));
    updateStats();
  }

  async function loadDeployments() {
    const { deployments: list } = await D.api(`/api/deployments?limit=${LIMIT}`);
    deployments.clear();
    loaded.deployments = true;
    reconcile(deploymentsBody, list.map((d) => d.id), () => list.forEach((d) => putDeployment(d)));
    updateStats();
  }

  async function resync() {
    try {
      await Promise.all([loadAgents(), loadDeployments()]);
    } catch (err) {
      D.toast(`Could not refresh: ${err.message}`, 'bad');
    }
  }

  const refreshAgents = D.throttle(() => loadAgents().catch((err) => D.toast(`Could not read agents: ${err.message}`, 'bad')), 500);

  // A burst of events for one deployment becomes one read of it.
  const dirty = new Set();
  const readDirty = D.throttle(async () => {
    const ids = [...dirty];
    dirty.clear();
    await Promise.all(ids.map(async (id) => {
      try {
        putDeployment(await D.api(`/api/deployments/${encodeURIComponent(id)}`), { flash: true });
      } catch (err) {
        if (err.status === 404) dropDeployment(id);
      }
    }));
  }, 250);

  D.stream('/api/events', {
    deployment(event) {
      dirty.add(event.deploymentId);
      readDirty();
    },
    agent(event) {
      const a = agents.get(event.agentId);
      if (a) putAgent({ ...a, state: event.state });
      refreshAgents();
    },
    heartbeat(beat) {
      const a = agents.get(beat.agentId);
      if (!a) return refreshAgents();
      const { type: _t, version: _v, sentAt: _s, ...fields } = beat;
      // "Last seen" is when this page heard from it, so a skewed clock cannot make it look stale.
      putAgent({ ...a, ...fields, state: 'online', lastSeen: new Date().toISOString() });
    },
  }, { onResync: resync });
  resync();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') resync();
  });

  // An online agent silent for three heartbeats is about to be declared offline: say so already.
  setInterval(() => {
    for (const a of agents.values()) {
      const row = rowOf(agentsBody, a.agentId);
      const stamp = row && row.querySelector('time[data-age]');
      if (stamp) stamp.classList.toggle('stale', a.state === 'online' && Date.now() - Date.parse(a.lastSeen) > 3 * (a.heartbeatMs || 2000) + 1000);
    }
  }, 1000);

  // ---- actions ----

  async function cancel(id, name) {
    const ok = await D.confirmAction({
      title: `Cancel ${name}?`,
      body: `Deployment ${id} will stop: running containers get SIGTERM, then SIGKILL. This cannot be undone.`,
      confirm: 'Cancel deployment',
    });
    if (!ok) return;
    try {
      putDeployment(await D.api(`/api/deployments/${encodeURIComponent(id)}/cancel`, { method: 'POST', json: {} }), { flash: true });
      D.toast(`Cancelling ${name}`, 'ok');
    } catch (err) {
      D.toast(`Could not cancel ${name}: ${err.message}`, 'bad');
    }
  }

  deploymentsBody.addEventListener('click', (e) => {
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
