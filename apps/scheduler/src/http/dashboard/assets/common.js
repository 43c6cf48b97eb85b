// DRaaS dashboard: helpers every page uses. Plain browser JavaScript, no framework, no build step.
// Every piece of data reaches the page through textContent or createElement, never innerHTML.
'use strict';

window.DRaaS = (() => {
  /** Creates an element: h('a', { class: 'x', href }, 'text', child, [more]). Strings become text nodes. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'href' && !isSafeHref(value)) continue;
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

  /** Same-site paths, and absolute http(s) URLs: never javascript:, data: and the like. */
  function isSafeHref(value) {
    const text = String(value);
    if (text.startsWith('/') && !text.startsWith('//')) return true;
    return isHttpUrl(text);
  }

  function isHttpUrl(value) {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }

  const tones = {
    running: 'ok', online: 'ok', queued: 'wait', pending: 'wait', building: 'busy', built: 'busy',
    scheduled: 'busy', starting: 'busy', failed: 'bad', lost: 'bad', offline: 'bad', exited: 'off', cancelled: 'off',
  };
  const toneOf = (status) => tones[status] || 'off';
  const terminal = new Set(['exited', 'failed', 'cancelled']);
  const isTerminal = (status) => terminal.has(status);

  const badge = (status, id) => h('span', { class: `badge tone-${toneOf(status)}`, id, 'data-status': status }, status);

  function setBadge(el, status) {
    if (!el) return;
    el.className = `badge tone-${toneOf(status)}`;
    el.dataset.status = status;
    el.textContent = status;
  }

  // The browser's copy of formatBytes in libs/queue-contracts (these scripts load no modules): keep
  // the two the same, so live updates read like the server-rendered page.
  function formatBytes(bytes) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    const digits = unit === 0 || value >= 10 ? 0 : 1;
    return `${value.toFixed(digits)} ${units[unit]}`;
  }

  function formatAge(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m`;
    if (s < 86400) return `${Math.floor(s / 3600)}h`;
    return `${Math.floor(s / 86400)}d`;
  }
  const ago = (ms) => (ms < 2000 ? 'just now' : `${formatAge(ms)} ago`);

  /** A "3m ago" stamp, kept current by the ticker below. */
  const age = (iso) => h('time', { datetime: iso, title: iso, 'data-age': '' }, ago(Date.now() - Date.parse(iso)));

  const pad = (n, width = 2) => String(n).padStart(width, '0');
  const clock = (ms) => {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  const dateTime = (ms) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`;
  };

  function tickAges() {
    const now = Date.now();
    for (const el of document.querySelectorAll('time[data-age]')) {
      const text = ago(now - Date.parse(el.getAttribute('datetime')));
      if (el.textContent !== text) el.textContent = text;
    }
  }

  /** Server-rendered times are UTC; show them in the reader's own zone. */
  function localTimes(root = document) {
    for (const el of root.querySelectorAll('time[data-local]')) {
      const ms = Date.parse(el.getAttribute('datetime'));
      if (!Number.isNaN(ms)) el.textContent = el.dataset.local === 'time' ? clock(ms) : dateTime(ms);
    }
  }

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
  function setLive(state, text) {
    const el = document.getElementById('live');
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  }

  /**
   * An EventSource with what a page left open all day needs: it says when it is connected, notices a
   * reconnect (the page then re-reads what it may have missed), and starts over after `overflow`.
   * `url` may be a function, read at every new connection (to resume after the last line seen).
   */
  function stream(url, handlers, { onResync = () => {}, label = 'Live' } = {}) {
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

  /** Coalesces a burst of calls into one call of `fn`, `ms` after the first. */
  function throttle(fn, ms) {
    let timer = null;
    return () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        fn();
      }, ms);
    };
  }

  const urlList = (urls) =>
    urls.length
      ? urls.map((u) =>
          isHttpUrl(u)
            ? h('a', { class: 'url', href: u, target: '_blank', rel: 'noopener noreferrer' }, u.replace(/^https?:\/\//, ''))
            : h('span', { class: 'url' }, u),
        )
      : [h('span', { class: 'muted' }, '—')];

  setInterval(tickAges, 1000);
  document.addEventListener('DOMContentLoaded', () => localTimes());

  return {
    h, api, ApiError, badge, setBadge, toneOf, isTerminal, isHttpUrl, formatBytes, formatAge, ago, age,
    clock, dateTime, localTimes, toast, confirmAction, setLive, stream, throttle, urlList,
  };
})();
