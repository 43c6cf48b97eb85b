// One deployment, live: its log over the logs SSE stream, which also says when the deployment
// changes; the page then asks the server for its parts (head, details, instances, timeline: GET
// /dashboard/fragments/deployments/:id) and swaps them in (parts.js). Cancel and redeploy sit behind
// a confirmation.
'use strict';

(() => {
  const D = window.DRaaS;
  const { h } = D;
  const id = document.body.dataset.deploymentId;
  const base = `/api/deployments/${encodeURIComponent(id)}`;
  const name = document.body.dataset.deploymentName || id;

  // ---- the server-rendered parts ----

  const ended = () => document.getElementById('d-head').dataset.ended !== undefined;
  let logStream = null;
  let watching = null;

  const refresh = D.coalesce(
    async () => {
      D.applyParts(await D.fetchParts(`/dashboard/fragments/deployments/${encodeURIComponent(id)}`));
      // An ended deployment can come back (a restart policy, an agent that returns): follow it again.
      if (watching !== null && !ended()) follow();
    },
    (err) => D.toast(`Could not refresh the page: ${err.message}`, 'bad'),
  );

  const log = D.createLogView();

  document.getElementById('log-download').addEventListener('click', () => void D.downloadLog(id, name));

  // ---- the stream ----

  const stateEl = document.getElementById('log-state');

  function follow() {
    clearInterval(watching);
    watching = null;
    stateEl.textContent = '';
    const url = () => `${base}/logs?follow=1${log.lastId() ? `&after=${encodeURIComponent(log.lastId())}` : ''}`;
    logStream = D.stream(url, {
      log: log.add,
      status: () => refresh(null, 100),
      end(d) {
        logStream.close();
        refresh(null, 0);
        D.setLive('ended', 'Ended');
        stateEl.textContent = `· ended (${d.status}); the log is complete`;
        // Look now and then whether it came back (refresh follows it again then).
        watching = setInterval(() => document.hidden || refresh(null, 0), 10000);
      },
      gap(g) {
        log.notice(g.message);
      },
    }, { onResync: () => refresh(null, 0) });
  }

  // ---- actions (the buttons are swapped with the head: listen on the document) ----

  async function cancel() {
    const ok = await D.confirmAction({
      title: `Cancel ${name}?`,
      body: `Deployment ${id} stops: pending instances never start, running ones get SIGTERM and then SIGKILL. This cannot be undone.`,
      confirm: 'Cancel deployment',
    });
    if (!ok) return;
    try {
      await D.api(`${base}/cancel`, { method: 'POST', json: {} });
      refresh(null, 0);
      D.toast(`Cancelling ${name}…`, 'ok');
    } catch (err) {
      D.toast(`Could not cancel: ${err.message}`, 'bad');
    }
  }

  async function redeploy(image) {
    const replace = h('input', { type: 'checkbox', id: 'redeploy-replace' });
    const extra = h('label', { class: 'check', for: 'redeploy-replace' }, replace, ' Replace: cancel this deployment once the new one is recorded');
    const ok = await D.confirmAction({
      title: `Redeploy ${name}?`,
      body: `A new deployment runs the same image${image ? ` (${image})` : ''} with the same settings.`,
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
  }

  document.addEventListener('click', (e) => {
    if (e.target.closest('#cancel-deployment')) cancel();
    const button = e.target.closest('#redeploy');
    if (button) redeploy(button.dataset.image);
  });

  follow();
})();
