// One app, live: GET /api/events says when the app changes (`app`) or one of its versions does
// (`deployment` of a deployment named in the head's `data-deployments`); the page then asks the
// server for its parts (GET /dashboard/fragments/apps/:name) and swaps them in (parts.js). The log
// panel follows the log of the version rolling out (else the serving one), switching when the server
// names another (`#a-log-of`). Rollback calls the API behind a confirmation.
'use strict';

(() => {
  const D = window.DRaaS;
  const name = document.body.dataset.appName;
  const api = `/api/apps/${encodeURIComponent(name)}`;

  // ---- the server-rendered parts ----

  const versionIds = () => (document.getElementById('a-head').dataset.deployments || '').split(' ').filter(Boolean);

  const refresh = D.coalesce(
    async () => {
      D.applyParts(await D.fetchParts(`/dashboard/fragments/apps/${encodeURIComponent(name)}`));
      followLog();
    },
    (err) => {
      if (err.status === 404) {
        D.setLive('ended', 'Destroyed');
        D.toast(`App ${name} no longer exists.`, 'bad', 0);
      } else D.toast(`Could not refresh the page: ${err.message}`, 'bad');
    },
  );

  D.stream('/api/events', {
    app: (event) => event.name === name && refresh(null, 100),
    deployment: (event) => versionIds().includes(event.deploymentId) && refresh(null, 250),
  }, { onResync: () => refresh(null, 0) });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh(null, 0);
  });

  // ---- the log of one version ----

  const log = D.createLogView();
  const stateEl = document.getElementById('log-state');
  let logId = null;
  let logStream = null;

  function followLog() {
    const id = document.getElementById('a-log-of')?.dataset.id || '';
    if (!id || id === logId) return;
    if (logStream) logStream.close();
    if (logId !== null) log.reset();
    logId = id;
    stateEl.textContent = '';
    const base = `/api/deployments/${encodeURIComponent(id)}`;
    const url = () => `${base}/logs?follow=1${log.lastId() ? `&after=${encodeURIComponent(log.lastId())}` : ''}`;
    const stream = D.stream(url, {
      log: log.add,
      status: () => refresh(null, 100),
      end(d) {
        stream.close();
        if (logId === id) stateEl.textContent = `· ended (${d.status}); the log is complete`;
      },
      gap: (g) => log.notice(g.message),
    }, { indicator: false });
    logStream = stream;
  }

  document.getElementById('log-download').addEventListener('click', () => {
    if (logId) void D.downloadLog(logId, name);
  });

  // ---- rollback (the form is swapped with the parts: listen on the document) ----

  async function rollback() {
    const value = document.getElementById('rollback-version').value;
    const version = value ? Number(value) : undefined;
    const ok = await D.confirmAction({
      title: `Roll back ${name}?`,
      body: version
        ? `A new version repeats v${version}'s image and settings, and rolls out as any new version does.`
        : 'A new version repeats the newest earlier version that ran healthy, and rolls out as any new version does.',
      confirm: 'Roll back',
      danger: false,
    });
    if (!ok) return;
    try {
      const app = await D.api(`${api}/rollback`, { method: 'POST', json: version ? { version } : {} });
      refresh(null, 0);
      D.toast(`Rolling back ${name}: v${app.target} is rolling out`, 'ok');
    } catch (err) {
      D.toast(`Could not roll back ${name}: ${err.message}`, 'bad');
    }
  }

  document.addEventListener('submit', (e) => {
    if (!e.target.closest('#a-rollback')) return;
    e.preventDefault();
    rollback();
  });

  followLog();
})();
