import type { Child } from 'hono/jsx';

/**
 * The live log: toolbar (follow, search, filter, download) and the lines, which deployment.js (or
 * app.js) streams in. `source`: what the log is of, under the title (the app page's version).
 */
export function LogPanel({ deploymentId, source }: { deploymentId: string; source?: Child }) {
  return (
    <section class="card log-card" aria-labelledby="log-title">
      <div class="card-head">
        <h2 id="log-title">Logs</h2>
        <span class="hint" id="log-count" aria-live="off">
          0 lines
        </span>
        <span class="hint" id="log-state"></span>
        {source}
      </div>
      <div class="log-tools" role="toolbar" aria-label="Log controls">
        <button id="log-follow" class="btn small" type="button" aria-pressed="true">
          Following
        </button>
        <label class="visually-hidden" for="log-search">
          Search the loaded lines
        </label>
        <input id="log-search" type="search" placeholder="Search lines…" autocomplete="off" spellcheck={false} />
        <label class="check">
          <input id="log-filter" type="checkbox" checked /> Only matching
        </label>
        <span class="hint" id="log-matches" aria-live="polite"></span>
        <span class="spacer"></span>
        <button id="log-download" class="btn small" type="button" data-id={deploymentId}>
          Download .txt
        </button>
      </div>
      <div id="log" class="log" role="log" aria-live="off" aria-label="Deployment log" tabindex={0}></div>
      <button id="log-jump" class="btn small jump" type="button" hidden>
        Jump to latest
      </button>
    </section>
  );
}
