import type { DeploymentView } from '@draas/queue-contracts';
import { Badge, UrlList } from './badge.js';

const none = <span class="muted">—</span>;

const list = (items: readonly string[]) => (items.length ? items.join(', ') : none);

/** The deployment's settings as asked and its state now. Env values never reach here: keys only. */
export function DeploymentDetails({ deployment: d }: { deployment: DeploymentView }) {
  const ports = d.ports.map((p) => `${p.containerPort}/${p.protocol}`);
  return (
    <section class="card" id="d-details" aria-labelledby="details-title">
      <div class="card-head">
        <h2 id="details-title">Details</h2>
      </div>
      <p class="error-box" id="d-error" role="alert" hidden={!d.error}>
        {d.error ?? ''}
      </p>
      <dl class="details">
        <div>
          <dt>Status</dt>
          <dd>
            <Badge status={d.status} id="d-status-detail" />{' '}
            <span class="sub" id="d-cancelling" hidden={!(d.desired === 'cancelled' && d.status !== 'cancelled')}>
              cancelling…
            </span>
          </dd>
        </div>
        <div class="span-2">
          <dt>Image</dt>
          <dd class="mono" id="d-image" title={d.imageId ?? undefined}>
            {d.image ?? none}
          </dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd>{d.source === 'archive' ? 'ZIP upload' : 'image'}</dd>
        </div>
        <div>
          <dt>Replicas</dt>
          <dd>{d.replicas}</dd>
        </div>
        <div>
          <dt>Memory</dt>
          <dd>{d.memory}</dd>
        </div>
        <div>
          <dt>CPUs</dt>
          <dd>{d.cpus}</dd>
        </div>
        <div>
          <dt>Restart</dt>
          <dd>{d.restart}</dd>
        </div>
        <div>
          <dt>Strategy</dt>
          <dd>{d.strategy}</dd>
        </div>
        <div>
          <dt>Ports</dt>
          <dd class="mono">{list(ports)}</dd>
        </div>
        <div>
          <dt>Constraints</dt>
          <dd class="mono">{list(d.constraints)}</dd>
        </div>
        <div>
          <dt>Env keys</dt>
          <dd class="mono" id="d-env">
            {list(d.envKeys)}
          </dd>
        </div>
        <div class="span-2">
          <dt>URLs</dt>
          <dd class="urls" id="d-urls">
            <UrlList urls={d.urls} />
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time datetime={d.createdAt} data-local="">
              {d.createdAt}
            </time>
          </dd>
        </div>
      </dl>
    </section>
  );
}
