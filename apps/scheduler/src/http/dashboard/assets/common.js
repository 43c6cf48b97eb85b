// DRaaS dashboard: helpers every page uses. Plain browser JavaScript, no framework, no build step.
// The server renders the pages and their live parts (parts.js swaps those in); what the scripts make
// themselves (toasts, log lines, dialogs' words) goes in through textContent or createElement.
'use strict';

// window.DRaaS already holds the contracts' formatters (formatters.js, made by assets.ts).
window.DRaaS = Object.assign(window.DRaaS, (() => {
  const { formatAge } = window.DRaaS;

  /** Creates an element: h('a', { class: 'x', href }, 'text', child, [more]). Strings become text nodes. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'href' && !isSamePath(value)) continue;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(el, child);
      else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  /** Links the scripts make point into this site only (never javascript:, data: and the like). */
  const isSamePath = (value) => String(value).startsWith('/') && !String(value).startsWith('//');

  // ---- times: the server writes instants (<time datetime>); the page says them for its reader ----

  // Ages are measured on the server's clock (the page says when it was rendered), so that a clock
  // here that is off cannot make a heartbeat of a second ago look old, or stale.
  const serverTime = Number(document.body.dataset.serverTime);
  const skew = serverTime > 0 ? serverTime - Date.now() : 0;

  const pad = (n, width = 2) => String(n).padStart(width, '0');
  const clock = (ms) => {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  const dateTime = (ms) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`;
  };

  /** "3m ago" stamps (`data-age`; `data-stale-ms`: marked stale once older), kept current below. */
  function showAges(root = document) {
    const now = Date.now() + skew;
    for (const el of root.querySelectorAll('time[data-age]')) {
      const iso = el.getAttribute('datetime');
      const age = now - Date.parse(iso);
      const text = age < 2000 ? 'just now' : `${formatAge(iso, now)} ago`;
      if (el.textContent !== text) el.textContent = text;
      if (el.dataset.staleMs) el.classList.toggle('stale', age > Number(el.dataset.staleMs));
    }
  }

  /** Every time in `root` as its reader reads it: ages, and times of day and dates in the reader's own zone. */
  function showTimes(root = document) {
    showAges(root);
    for (const el of root.querySelectorAll('time[data-local]')) {
      const ms = Date.parse(el.getAttribute('datetime'));
      if (Number.isNaN(ms)) continue;
      el.textContent = el.dataset.local === 'time' ? clock(ms) : dateTime(ms);
      if (el.dataset.local === 'time') el.title = dateTime(ms);
    }
  }

  // ---- the API ----

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** Calls the API; an error answer becomes an ApiError carrying the API's own message. */
  async function api(path, { method = 'GET', json, accept = 'application/json' } = {}) {
    const init = { method, headers: { accept }, credentials: 'same-origin' };
    if (json !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(json);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch {
      throw new ApiError(0, 'the scheduler cannot be reached; check your connection');
    }
    if (res.status === 401) sessionExpired();
    if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
    return accept === 'application/json' ? res.json() : res.text();
  }

  async function errorMessage(res) {
    const text = await res.text().catch(() => '');
    try {
      const body = JSON.parse(text);
      return (body.error && body.error.message) || body.message || `${res.status} ${res.statusText}`;
    } catch {
      return text.trim().slice(0, 300) || `${res.status} ${res.statusText}`;
    }
  }

  let expiredShown = false;
  function sessionExpired() {
    if (expiredShown) return;
    expiredShown = true;
    const next = encodeURIComponent(location.pathname);
    toast(h('span', {}, 'Your session has ended. ', h('a', { href: `/login?next=${next}` }, 'Sign in again')), 'bad', 0);
  }

  // ---- what every page shows ----

  /** A short message in the corner; `ms` 0 keeps it until closed. */
  function toast(message, tone = 'info', ms = 6000) {
    const box = document.getElementById('toasts');
    if (!box) return;
    const close = h('button', { class: 'btn small', type: 'button', 'aria-label': 'Dismiss' }, '×');
    const el = h('div', { class: `toast ${tone}` }, message, ' ', close);
    close.addEventListener('click', () => el.remove());
    box.append(el);
    if (ms > 0) setTimeout(() => el.remove(), ms);
  }

  /**
   * Asks before a destructive action, in the page's one <dialog>. Resolves true when confirmed.
   * `extra` (optional) is a node placed under the text, e.g. a checkbox the caller reads afterwards.
   */
  function confirmAction({ title, body, confirm, extra = null, danger = true }) {
    const dialog = document.getElementById('confirm-dialog');
    document.getElementById('confirm-title').textContent = title;
    document.getElementById('confirm-body').textContent = body;
    const slot = document.getElementById('confirm-extra');
    slot.replaceChildren(...(extra ? [extra] : []));
    const yes = document.getElementById('confirm-yes');
    yes.textContent = confirm;
    yes.className = danger ? 'btn danger' : 'btn primary';
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    });
  }

  /** The header's connection indicator. */
  function setLiveState(state, text) {
    const el = document.getElementById('live');
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  }

  /**
   * An EventSource with what a page left open all day needs: it says when it is connected, notices a
   * reconnect (the page then re-reads what it may have missed), and starts over after `overflow`.
   * `url` may be a function, read at every new connection (to resume after the last line seen).
   * `indicator: false`: a second stream of the page, which leaves the header's indicator to the first.
   */
  function stream(url, handlers, { onResync = () => {}, label = 'Live', indicator = true } = {}) {
    const setLive = indicator ? setLiveState : () => {};
    let source = null;
    let everOpen = false;
    let dropped = false;
    let closed = false;
    function open() {
      if (closed) return;
      source = new EventSource(typeof url === 'function' ? url() : url);
      setLive('connecting', 'Connecting…');
      source.addEventListener('open', () => {
        setLive('live', label);
        if (everOpen && dropped) onResync();
        everOpen = true;
        dropped = false;
      });
      source.addEventListener('error', () => {
        dropped = true;
        // CLOSED means the browser gave up (an HTTP error such as 401): try again a little later.
        if (source.readyState === EventSource.CLOSED) {
          setLive('down', 'Disconnected, retrying…');
          setTimeout(open, 5000);
        } else setLive('connecting', 'Reconnecting…');
      });
      source.addEventListener('overflow', () => {
        source.close();
        dropped = true;
        setTimeout(open, 1000);
      });
      for (const [event, handler] of Object.entries(handlers)) {
        source.addEventListener(event, (e) => {
          let data;
          try {
            data = JSON.parse(e.data);
          } catch {
            return;
          }
          handler(data, e);
        });
      }
    }
    open();
    return {
      close() {
        closed = true;
        if (source) source.close();
      },
    };
  }

  // Scripts run deferred, after the document is parsed: its times can be shown at once.
  showTimes();
  setInterval(showAges, 1000);

  /** Saves a deployment's log (as text) through the browser as `<name>-<id>.log`; a failure is a toast. */
  async function downloadLog(id, name) {
    try {
      const text = await api(`/api/deployments/${encodeURIComponent(id)}/logs?limit=10000`, { accept: 'text/plain' });
      const link = h('a', { download: `${name}-${id}.log` });
      link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (err) {
      toast(`Could not download the log: ${err.message}`, 'bad');
    }
  }

  return { h, api, ApiError, clock, dateTime, showTimes, toast, confirmAction, setLive: setLiveState, stream, downloadLog };
})());
