/**
 * The original dashboard's "deployment monitor", kept with its element ids (deploymentId, fetch,
 * cancel, logs) and its routes (/deployment_logs, /cancel_deployment) for people and scripts used to it.
 */
export function Monitor() {
  return (
    <section class="card" aria-labelledby="monitor-title">
      <div class="card-head">
        <h2 id="monitor-title">Deployment monitor</h2>
        <span class="hint">Any deployment by id: status, URLs and its log.</span>
      </div>
      <form id="monitor-form" class="monitor-bar">
        <label for="deploymentId">Deployment ID</label>
        <input id="deploymentId" name="deploymentId" type="text" class="mono" placeholder="k2h4x9q0m1ab" autocomplete="off" spellcheck={false} required />
        <button id="fetch" class="btn" type="submit">
          Fetch logs
        </button>
        <button id="cancel" class="btn danger-ghost" type="button">
          Cancel
        </button>
      </form>
      <pre id="logs" class="log-plain" tabindex={0} aria-live="polite" aria-label="Monitor output"></pre>
    </section>
  );
}
