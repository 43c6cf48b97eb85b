// One deployment, live: its log over the logs SSE stream (which also sends the deployment's JSON on
// every change), its instances, its timeline; cancel and redeploy behind a confirmation.
'use strict';

(() => {
  const D = window.DRaaS;
  const { h } = D;
  const id = document.body.dataset.deploymentId;
  const base = `/api/deployments/${encodeURIComponent(id)}`;
  let name = document.body.dataset.deploymentName || id;
  let view = null;

  // ---- details and instances ----

  function instanceRow(i) {
    const none = () => h('span', { class: 'muted' }, '—');
    return h('tr', { 'data-id': String(i.index) },
      h('td', { 'data-label': 'Instance', class: 'mono' }, `#${i.index}`),
      h('td', { 'data-label': 'Status' }, D.badge(i.status)),
      h('td', { 'data-label': 'Agent', class: 'mono' }, i.agentId || none()),
      h('td', { 'data-label': 'Attempt', class: 'num' }, String(i.attempt)),
      h('td', { 'data-label': 'URLs', class: 'urls' }, D.urlList(i.urls)),
      h('td', { 'data-label': 'Exit code', class: 'num' }, i.exitCode === null ? none() : String(i.exitCode)),
      h('td', { 'data-label': 'Note', class: 'note' }, i.error || ''),
      h('td', { 'data-label': 'Updated' }, D.age(i.updatedAt)));
  }

  function render(d) {
    view = d;
    name = d.name;
    document.title = `${d.status} · ${d.name} · DRaaS`;
    D.setBadge(document.getElementById('d-status'), d.status);
    D.setBadge(document.getElementById('d-status-detail'), d.status);
    document.getElementById('d-cancelling').hidden = !(d.desired === 'cancelled' && d.status !== 'cancelled');
    const error = document.getElementById('d-error');
    error.textContent = d.error || '';
    error.hidden = !d.error;
    const image = document.getElementById('d-image');
    image.replaceChildren(d.image || h('span', { class: 'muted' }, '—'));
    image.title = d.imageId || '';
    document.getElementById('d-urls').replaceChildren(...D.urlList(d.urls));
    document.getElementById('instances-body').replaceChildren(...d.instances.map(instanceRow));
    document.getElementById('instances-empty').hidden = d.instances.length > 0;
    document.getElementById('cancel-deployment').disabled = d.desired === 'cancelled' || d.status === 'cancelled';
    document.getElementById('redeploy').disabled = !d.image;
  }

  // ---- timeline ----

  function renderTimeline(events) {
    const list = document.getElementById('timeline');
    list.replaceChildren(...events.slice().reverse().map((e) => {
      const status = e.instance ? e.instance.status : e.status;
      const what = e.instance ? `#${e.instance.index}, attempt ${e.instance.attempt}` : 'deployment';
      return h('li', {},
        h('time', { datetime: new Date(e.at).toISOString(), title: D.dateTime(e.at) }, D.clock(e.at)),
        D.badge(status),
        h('span', { class: 'what' }, what));
    }));
    document.getElementById('timeline-empty').hidden = events.length > 0;
  }

  const refreshTimeline = D.throttle(async () => {
    try {
      renderTimeline((await D.api(`${base}/timeline`)).events);
    } catch (err) {
      D.toast(`Could not read the timeline: ${err.message}`, 'bad');
    }
  }, 300);

  const log = D.createLogView();

  document.getElementById('log-download').addEventListener('click', async () => {
    try {
      const text = await D.api(`${base}/logs?limit=10000`, { accept: 'text/plain' });
      const link = h('a', { download: `${name}-${id}.log` });
      link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (err) {
      D.toast(`Could not download the log: ${err.message}`, 'bad');
    }
  });

  // ---- the stream ----

  const stateEl = document.getElementById('log-state');
  let logStream = null;
  let watching = null;

  function follow() {
    stateEl.textContent = '';
    const url = () => `${base}/logs?follow=1${log.lastId() ? `&after=${encodeURIComponent(log.lastId())}` : ''}`;
    logStream = D.stream(url, {
      log: log.add,
      status(d) {
        render(d);
        refreshTimeline();
      },
      end(d) {
        logStream.close();
        render(d);
        refreshTimeline();
        D.setLive('ended', 'Ended');
        stateEl.textContent = `· ended (${d.status}); the log is complete`;
        watchForRestart();
      },
      gap(g) {
        log.notice(g.message);
      },
    }, { onResync: refreshTimeline });
  }

  /** An ended deployment can come back (a restart policy, an agent that returns): look now and then. */
  function watchForRestart() {
    clearInterval(watching);
    watching = setInterval(async () => {
      if (document.hidden) return;
      try {
        const d = await D.api(base);
        if (!D.isTerminal(d.status)) {
          clearInterval(watching);
          render(d);
          follow();
        }
      } catch {
        // The next look will tell.
      }
    }, 10000);
  }

  // ---- actions ----

  document.getElementById('cancel-deployment').addEventListener('click', async () => {
    const ok = await D.confirmAction({
      title: `Cancel ${name}?`,
      body: `Deployment ${id} stops: pending instances never start, running ones get SIGTERM and then SIGKILL. This cannot be undone.`,
      confirm: 'Cancel deployment',
    });
    if (!ok) return;
    try {
      render(await D.api(`${base}/cancel`, { method: 'POST', json: {} }));
      D.toast(`Cancelling ${name}…`, 'ok');
    } catch (err) {
      D.toast(`Could not cancel: ${err.message}`, 'bad');
    }
  });

  document.getElementById('redeploy').addEventListener('click', async () => {
    const replace = h('input', { type: 'checkbox', id: 'redeploy-replace' });
    const extra = h('label', { class: 'check', for: 'redeploy-replace' }, replace, ' Replace: cancel this deployment once the new one is recorded');
    const ok = await D.confirmAction({
      title: `Redeploy ${name}?`,
      body: `A new deployment runs the same image${view && view.image ? ` (${view.image})` : ''} with the same settings.`,
      confirm: 'Redeploy',
      extra,
      danger: false,
    });
    if (!ok) return;
    try {
      const created = await D.api(`${base}/redeploy`, { method: 'POST', json: { replace: replace.checked } });
      location.assign(`/dashboard/deployments/${encodeURIComponent(created.id)}`);
    } catch (err) {
      D.toast(`Could not redeploy: ${err.message}`, 'bad');
    }
  });

  follow();
  refreshTimeline();
})();
