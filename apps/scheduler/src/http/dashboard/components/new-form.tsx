import type { Child } from 'hono/jsx';

function Field({ id, label, hint, children }: { id: string; label: string; hint?: string; children: Child }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** The source: a ZIP (dropped or picked) or an image name. */
function SourcePicker() {
  return (
    <fieldset class="source">
      <legend>Source</legend>
      <div class="segmented" role="radiogroup" aria-label="Source kind">
        <label>
          <input type="radio" name="kind" value="archive" checked /> ZIP with a Dockerfile
        </label>
        <label>
          <input type="radio" name="kind" value="image" /> Image
        </label>
      </div>
      <div id="archive-source">
        <label class="dropzone" id="dropzone" for="archive">
          <span class="dz-title" id="dz-title">
            Drop a ZIP here, or choose a file
          </span>
          <span class="hint" id="dz-detail">
            The Dockerfile goes at the root of the ZIP or in its single top folder.
          </span>
        </label>
        <input id="archive" name="archive" type="file" accept=".zip,application/zip" class="file-input" />
      </div>
      <div id="image-source" hidden>
        <Field id="image" label="Image" hint="A Docker reference such as nginx:1.27 or registry.example.com/team/app:tag.">
          <input id="image" name="image" type="text" class="mono" placeholder="nginx:1.27" autocomplete="off" spellcheck={false} aria-describedby="image-hint" />
        </Field>
      </div>
    </fieldset>
  );
}

function Options() {
  return (
    <fieldset class="options">
      <legend>Options</legend>
      <div class="form-grid">
        <Field id="name" label="Name" hint="Lowercase letters, digits and dashes. Default: from the file or image name.">
          <input id="name" name="name" type="text" pattern="[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?" autocomplete="off" spellcheck={false} aria-describedby="name-hint" />
        </Field>
        <Field id="replicas" label="Replicas" hint="Spread over distinct agents when possible.">
          <input id="replicas" name="replicas" type="number" min={1} max={1000} step={1} placeholder="1" aria-describedby="replicas-hint" />
        </Field>
        <Field id="memory" label="Memory" hint="Limit and reservation, e.g. 256m or 1g.">
          <input id="memory" name="memory" type="text" placeholder="256m" autocomplete="off" aria-describedby="memory-hint" />
        </Field>
        <Field id="cpus" label="CPUs" hint="0.5 is half a core.">
          <input id="cpus" name="cpus" type="number" min={0.01} max={64} step={0.01} placeholder="0.25" aria-describedby="cpus-hint" />
        </Field>
        <Field id="ports" label="Ports" hint="Besides the image's EXPOSE: 8080, 53/udp (commas or spaces).">
          <input id="ports" name="ports" type="text" class="mono" placeholder="8080" autocomplete="off" aria-describedby="ports-hint" />
        </Field>
        <Field id="constraints" label="Constraints" hint="Only agents with all these labels: zone=eu, disk=ssd.">
          <input id="constraints" name="constraints" type="text" class="mono" placeholder="zone=eu" autocomplete="off" aria-describedby="constraints-hint" />
        </Field>
        <Field id="restart" label="Restart" hint="on-failure:N allows N restarts.">
          <input id="restart" name="restart" type="text" list="restart-options" placeholder="on-failure" autocomplete="off" aria-describedby="restart-hint" />
          <datalist id="restart-options">
            <option value="on-failure"></option>
            <option value="on-failure:3"></option>
            <option value="always"></option>
            <option value="no"></option>
          </datalist>
        </Field>
        <Field id="strategy" label="Strategy" hint="spread: fill agents evenly; binpack: fill one first.">
          <select id="strategy" name="strategy" aria-describedby="strategy-hint">
            <option value="">spread (default)</option>
            <option value="spread">spread</option>
            <option value="binpack">binpack</option>
          </select>
        </Field>
        <div class="field span-all">
          <label for="env">Environment</label>
          <textarea id="env" name="env" rows={4} class="mono" placeholder={'GREETING=hello\nLOG_LEVEL=info'} spellcheck={false} aria-describedby="env-hint"></textarea>
          <p class="hint" id="env-hint">
            One KEY=VALUE per line. Values are never shown again, only the keys.
          </p>
        </div>
      </div>
    </fieldset>
  );
}

export function NewDeploymentForm() {
  return (
    <form id="new-deployment" class="card new-form" novalidate>
      <SourcePicker />
      <Options />
      <div class="form-error" id="form-error" role="alert" hidden></div>
      <div class="upload" id="upload" hidden>
        <progress id="upload-progress" max={100} value={0} aria-labelledby="upload-text"></progress>
        <span id="upload-text" class="hint"></span>
      </div>
      <div class="form-actions">
        <button id="submit" class="btn primary" type="submit">
          Deploy
        </button>
        <a class="btn" href="/dashboard">
          Back
        </a>
      </div>
    </form>
  );
}
