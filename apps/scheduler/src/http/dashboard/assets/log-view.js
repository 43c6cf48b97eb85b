// The live log view of the deployment page: lines appended in batches (one layout per frame), a
// cap on what the page holds, follow/pause with auto-scroll only while following, and search that
// highlights and optionally filters the loaded lines. Every line goes in as text, never as markup.
'use strict';

window.DRaaS.createLogView = () => {
  const D = window.DRaaS;
  const { h } = D;
  const MAX_LINES = 20000;
  const logEl = document.getElementById('log');
  const countEl = document.getElementById('log-count');
  const jump = document.getElementById('log-jump');
  const followButton = document.getElementById('log-follow');
  const searchInput = document.getElementById('log-search');
  const filterBox = document.getElementById('log-filter');
  const matchesEl = document.getElementById('log-matches');
  const lines = []; // { data: LogLine, el, marked }
  const pending = [];
  let lastId = null;
  let total = 0;
  let unseen = 0;
  let following = true;
  let flushQueued = false;
  let query = '';
  let trimmedNotice = null;

  /** Log line ids are `<ms>-<seq>`; compared as numbers, not text. */
  function compareIds(a, b) {
    const [am, as] = a.split('-').map(Number);
    const [bm, bs] = b.split('-').map(Number);
    return am - bm || as - bs;
  }

  function lineEl(l) {
    return h('div', { class: `ln s-${l.stream} p-${l.phase}` },
      h('span', { class: 't', title: D.dateTime(l.time) }, D.clock(l.time)),
      h('span', { class: `ph ph-${l.phase}` }, l.phase === 'system' ? 'sys' : l.phase),
      h('span', { class: 'in', title: l.instance === null ? null : `instance ${l.instance}` }, l.instance === null ? '' : `#${l.instance}`),
      h('span', { class: 'st' }, l.stream === 'stdout' ? 'out' : l.stream === 'stderr' ? 'err' : 'sys'),
      h('span', { class: 'tx' }, l.line));
  }

  function addLine(l) {
    if (lastId !== null && compareIds(l.id, lastId) <= 0) return;
    lastId = l.id;
    pending.push(l);
    if (pending.length > MAX_LINES) pending.splice(0, pending.length - MAX_LINES);
    if (!flushQueued) {
      flushQueued = true;
      if (document.hidden) setTimeout(flush, 100);
      else requestAnimationFrame(flush);
    }
  }

  function notice(text) {
    logEl.append(h('div', { class: 'ln notice' }, text));
  }

  /** Appends what arrived since the last frame in one go, so a flood of lines costs one layout. */
  function flush() {
    flushQueued = false;
    if (pending.length === 0) return;
    const fragment = document.createDocumentFragment();
    for (const data of pending) {
      const item = { data, el: lineEl(data), marked: false };
      applySearch(item);
      lines.push(item);
      fragment.append(item.el);
    }
    total += pending.length;
    if (!following) unseen += pending.length;
    pending.length = 0;
    logEl.append(fragment);
    if (lines.length > MAX_LINES) {
      for (const item of lines.splice(0, lines.length - MAX_LINES)) item.el.remove();
      if (!trimmedNotice) {
        trimmedNotice = h('div', { class: 'ln notice' }, `Only the newest ${MAX_LINES} lines are shown here; download the log for the rest.`);
      }
      logEl.prepend(trimmedNotice);
    }
    countEl.textContent = `${total} line${total === 1 ? '' : 's'}`;
    if (query) showMatchCount();
    if (following) scrollToEnd();
    else if (unseen > 0) {
      jump.hidden = false;
      jump.textContent = `↓ ${unseen} new line${unseen === 1 ? '' : 's'}`;
    }
  }

  let autoScrolling = false;
  function scrollToEnd() {
    autoScrolling = true;
    logEl.scrollTop = logEl.scrollHeight;
    requestAnimationFrame(() => (autoScrolling = false));
  }

  function setFollowing(on) {
    following = on;
    followButton.setAttribute('aria-pressed', String(on));
    followButton.textContent = on ? 'Following' : 'Paused';
    followButton.title = on ? 'New lines scroll into view; click to pause' : 'Click to follow new lines';
    if (on) {
      unseen = 0;
      jump.hidden = true;
      scrollToEnd();
    }
  }

  followButton.addEventListener('click', () => setFollowing(!following));
  jump.addEventListener('click', () => setFollowing(true));
  logEl.addEventListener('scroll', () => {
    if (autoScrolling) return;
    const atEnd = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 24;
    if (following && !atEnd) setFollowing(false);
    else if (!following && atEnd && !query) setFollowing(true);
  });

  // ---- search: highlight matches, and optionally show only the matching lines ----

  function applySearch(item) {
    const tx = item.el.lastChild;
    const text = item.data.line;
    if (!query) {
      if (item.marked) tx.textContent = text;
      item.marked = false;
      item.el.hidden = false;
      return false;
    }
    // Case-insensitive where lowercasing keeps the length (it does for nearly all text).
    const lower = text.toLowerCase();
    const [hay, needle] = lower.length === text.length ? [lower, query.toLowerCase()] : [text, query];
    let at = hay.indexOf(needle);
    const match = at !== -1;
    item.el.hidden = filterBox.checked && !match;
    if (match) {
      const parts = [];
      let start = 0;
      while (at !== -1) {
        parts.push(text.slice(start, at), h('mark', {}, text.slice(at, at + needle.length)));
        start = at + needle.length;
        at = hay.indexOf(needle, start);
      }
      parts.push(text.slice(start));
      tx.replaceChildren(...parts);
      item.marked = true;
    } else if (item.marked) {
      tx.textContent = text;
      item.marked = false;
    }
    return match;
  }

  function showMatchCount() {
    const n = lines.reduce((sum, item) => sum + (item.marked ? 1 : 0), 0);
    matchesEl.textContent = query ? `${n} matching line${n === 1 ? '' : 's'}` : '';
  }

  let searchTimer = null;
  function search() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      query = searchInput.value;
      for (const item of lines) applySearch(item);
      showMatchCount();
      if (following) scrollToEnd();
    }, 120);
  }
  searchInput.addEventListener('input', search);
  filterBox.addEventListener('change', search);

  // Enter in the search box: the next match (Shift+Enter: the previous one).
  let cursor = -1;
  searchInput.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const hits = lines.filter((item) => item.marked);
    if (hits.length === 0) return;
    setFollowing(false);
    cursor = (cursor + (e.shiftKey ? -1 : 1) + hits.length) % hits.length;
    hits[cursor].el.scrollIntoView({ block: 'center' });
  });

  /** Empties the view for another deployment's log (the app page, when a new version rolls out). */
  function reset() {
    pending.length = 0;
    lines.length = 0;
    lastId = null;
    total = 0;
    unseen = 0;
    trimmedNotice = null;
    logEl.replaceChildren();
    countEl.textContent = '0 lines';
    matchesEl.textContent = '';
    setFollowing(true);
  }

  return {
    add: addLine,
    notice,
    reset,
    /** The id of the newest line seen, to resume a stream after it. */
    lastId: () => lastId,
  };
};
