// New deployment: a ZIP (dropped or picked) uploaded with XMLHttpRequest for real progress, or an
// image name sent as JSON; the options as docs/API.md names them. The API's 4xx message is shown as
// it is (it says what to fix); on 202 the browser goes to the new deployment, where its build streams.
'use strict';

(() => {
  const D = window.DRaaS;
  const $ = (id) => document.getElementById(id);
  const form = $('new-deployment');
  const fileInput = $('archive');
  const dropzone = $('dropzone');
  const errorBox = $('form-error');
  const submit = $('submit');
  const progress = $('upload-progress');
  const progressText = $('upload-text');
  let file = null;

  const kind = () => form.querySelector('input[name="kind"]:checked').value;

  function showKind() {
    const archive = kind() === 'archive';
    $('archive-source').hidden = !archive;
    $('image-source').hidden = archive;
  }
  for (const radio of form.querySelectorAll('input[name="kind"]')) radio.addEventListener('change', showKind);

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.scrollIntoView({ block: 'nearest' });
  }

  // ---- the file: picked or dropped ----

  function setFile(f) {
    file = f;
    dropzone.classList.toggle('has-file', Boolean(f));
    $('dz-title').textContent = f ? f.name : 'Drop a ZIP here, or choose a file';
    $('dz-detail').textContent = f
      ? `${D.formatBytes(f.size)} · drop or choose another file to replace it`
      : 'The Dockerfile goes at the root of the ZIP or in its single top folder.';
    errorBox.hidden = true;
  }

  fileInput.addEventListener('change', () => setFile(fileInput.files[0] || null));
  for (const type of ['dragenter', 'dragover']) {
    dropzone.addEventListener(type, (e) => {
      e.preventDefault();
      dropzone.classList.add('over');
    });
  }
  dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'));
  dropzone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropzone.classList.remove('over');
    const dropped = e.dataTransfer && e.dataTransfer.files[0];
    if (dropped) setFile(dropped);
  });
  // A file dropped beside the zone must not make the browser leave the page to show it.
  for (const type of ['dragover', 'drop']) document.addEventListener(type, (e) => e.preventDefault());

  // ---- the options ----

  const list = (text) => text.split(/[\s,]+/).filter(Boolean);

  function envFrom(text) {
    const env = {};
    text.split('\n').forEach((raw, n) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '' || line.trim().startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new Error(`Environment line ${n + 1} ("${line.trim().slice(0, 40)}") is not KEY=VALUE.`);
      env[line.slice(0, eq).trim()] = line.slice(eq + 1);
    });
    return env;
  }

  /** The options that were filled in, as the API takes them (empty ones keep the API's defaults). */
  function options() {
    const value = (id) => $(id).value.trim();
    const opts = {};
    for (const key of ['name', 'memory', 'restart', 'strategy']) if (value(key)) opts[key] = value(key);
    for (const key of ['replicas', 'cpus']) if (value(key)) opts[key] = Number(value(key));
    const env = envFrom($('env').value);
    if (Object.keys(env).length) opts.env = env;
    if (list(value('ports')).length) opts.ports = list(value('ports'));
    if (list(value('constraints')).length) opts.constraints = list(value('constraints'));
    return opts;
  }

  /** Multipart text fields: env, ports and constraints as JSON text (docs/API.md). */
  function multipart(opts) {
    const body = new FormData();
    for (const [key, v] of Object.entries(opts)) body.append(key, typeof v === 'object' ? JSON.stringify(v) : String(v));
    body.append('archive', file, file.name);
    return body;
  }

  // ---- sending ----

  function busy(on, label = 'Deploy') {
    submit.disabled = on;
    submit.textContent = label;
    $('upload').hidden = !on;
  }

  const open = (view) => location.assign(`/dashboard/deployments/${encodeURIComponent(view.id)}`);

  function messageOf(status, text) {
    try {
      const body = JSON.parse(text);
      if (body && body.error && body.error.message) return body.error.message;
    } catch {
      // Not the API's JSON (a proxy's page, say): fall through.
    }
    return `The scheduler answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  }

  function uploadArchive(opts) {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/deployments');
    xhr.setRequestHeader('accept', 'application/json');
    progress.value = 0;
    progressText.textContent = `Uploading ${file.name}…`;
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.floor((e.loaded / e.total) * 100);
      progress.value = pct;
      progressText.textContent = `Uploading ${D.formatBytes(e.loaded)} of ${D.formatBytes(e.total)} (${pct}%)`;
    });
    xhr.upload.addEventListener('load', () => {
      progress.value = 100;
      progressText.textContent = 'Uploaded; the scheduler is checking the archive…';
    });
    xhr.addEventListener('load', () => {
      if (xhr.status === 202 || xhr.status === 200) return open(JSON.parse(xhr.responseText));
      busy(false);
      if (xhr.status === 401) return showError('Your session has ended: sign in again, then retry.');
      showError(messageOf(xhr.status, xhr.responseText));
    });
    xhr.addEventListener('error', () => {
      busy(false);
      showError('The upload failed: the scheduler could not be reached (or closed the connection). Try again.');
    });
    busy(true, 'Uploading…');
    xhr.send(multipart(opts));
  }

  async function deployImage(opts) {
    busy(true, 'Deploying…');
    progress.removeAttribute('value');
    progressText.textContent = 'Sending…';
    try {
      open(await D.api('/api/deployments', { method: 'POST', json: { image: $('image').value.trim(), ...opts } }));
    } catch (err) {
      busy(false);
      showError(err.message);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    errorBox.hidden = true;
    let opts;
    try {
      opts = options();
    } catch (err) {
      return showError(err.message);
    }
    if (kind() === 'image') {
      if (!$('image').value.trim()) return showError('Enter an image name such as nginx:1.27, or switch to a ZIP.');
      return deployImage(opts);
    }
    if (!file) return showError('Choose a ZIP file (or drop one on the box), or switch to an image.');
    uploadArchive(opts);
  });

  showKind();
})();
