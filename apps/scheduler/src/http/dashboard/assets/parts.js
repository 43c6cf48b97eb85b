// Live pages swap in what the server renders (GET /dashboard/fragments/…, see fragments.tsx): no
// script here builds a row, a badge or a count. A part is an element with an id that the page has
// too; a row body with `data-ids` is merged row by row, so that a control the user is on stays put.
'use strict';

(() => {
  const D = window.DRaaS;

  /** A fragment, parsed where nothing in it runs or loads (JSX escaped every string in it anyway). */
  async function fetchParts(path) {
    const html = await D.api(path, { accept: 'text/html' });
    return new DOMParser().parseFromString(html, 'text/html');
  }

  /** The element in `root` standing for `el`: the same id, the same action, or the same link. */
  function counterpart(root, el) {
    const selector = el.id
      ? `#${CSS.escape(el.id)}`
      : el.dataset.action
        ? `[data-action="${CSS.escape(el.dataset.action)}"]`
        : el.hasAttribute('href')
          ? `[href="${CSS.escape(el.getAttribute('href'))}"]`
          : null;
    if (!selector) return null;
    return root.matches(selector) ? root : root.querySelector(selector);
  }

  /** Puts `fresh` where `old` is, unless nothing changed; keyboard focus stays on the same control. */
  function swap(old, fresh) {
    D.showTimes(fresh);
    if (old.isEqualNode(fresh)) return;
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    old.replaceWith(fresh);
    const twin = focused && counterpart(fresh, focused);
    if (twin && !twin.disabled) twin.focus();
  }

  const statusOf = (tr) => tr.querySelector('.badge')?.dataset.status;

  /**
   * Merges the server's row body into the page's: rows it does not list go, rows it sends replace
   * theirs or are added (`flash`: a new row, or a new status, lights up), and the rows end in its
   * order. Returns the listed ids the page still has no row for (an event it never saw).
   */
  function mergeRows(body, fresh, { flash }) {
    const order = (fresh.dataset.ids || '').split(' ').filter(Boolean);
    const listed = new Set(order);
    const rowOf = (id) => [...body.rows].find((tr) => tr.dataset.id === id) || null;
    for (const tr of [...body.rows]) if (!listed.has(tr.dataset.id)) tr.remove();
    for (const tr of [...fresh.rows]) {
      const old = rowOf(tr.dataset.id);
      if (flash && (!old || statusOf(old) !== statusOf(tr))) tr.classList.add('flash');
      if (old) swap(old, tr);
      else {
        D.showTimes(tr);
        body.append(tr);
      }
    }
    body.dataset.ids = fresh.dataset.ids || '';
    const present = order.filter((id) => rowOf(id));
    if ([...body.rows].map((tr) => tr.dataset.id).join(' ') !== present.join(' ')) {
      const focused = body.contains(document.activeElement) ? document.activeElement : null;
      for (const id of present) body.append(rowOf(id));
      if (focused) focused.focus();
    }
    return order.filter((id) => !rowOf(id));
  }

  /** Swaps every part of a fragment into the page. Returns the ids of listed rows the page lacks. */
  function applyParts(doc, { flash = false } = {}) {
    const missing = [];
    for (const part of doc.body.querySelectorAll('[id]')) {
      if (part.parentElement.closest('[id]')) continue; // inside a part, which goes whole
      const here = document.getElementById(part.id);
      if (!here) continue;
      if (part.dataset.ids !== undefined) missing.push(...mergeRows(here, part, { flash }));
      else swap(here, part);
    }
    if (doc.title) document.title = doc.title;
    return missing;
  }

  /**
   * Turns a burst of changes into one call of `flush(ids)`: `add(id, ms)` asks for a flush within
   * `ms`, `add(null, ms)` for everything (`flush(null)`). One flush runs at a time, so an older
   * answer never lands after a newer one; what is asked for meanwhile goes in the next.
   */
  function coalesce(flush, onError) {
    let ids = new Set();
    let everything = false;
    let timer = null;
    let due = Infinity;
    let busy = false;
    let again = false;
    function run() {
      clearTimeout(timer);
      timer = null;
      due = Infinity;
      if (busy) return void (again = true);
      if (!everything && ids.size === 0) return;
      const batch = everything ? null : [...ids];
      ids = new Set();
      everything = false;
      busy = true;
      Promise.resolve(batch)
        .then(flush)
        .catch(onError)
        .finally(() => {
          busy = false;
          if (again) {
            again = false;
            run();
          }
        });
    }
    return function add(id, ms = 250) {
      if (id === null) everything = true;
      else ids.add(id);
      const at = Date.now() + ms;
      if (timer !== null && due <= at) return;
      clearTimeout(timer);
      due = at;
      timer = setTimeout(run, ms);
    };
  }

  Object.assign(D, { fetchParts, applyParts, coalesce });
})();
