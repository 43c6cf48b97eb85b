import { isTerminalDeployment, type DeploymentView } from '@draas/queue-contracts';
import { canCancel } from '../format.js';
import { appHref } from './app-health.js';
import { Badge } from './badge.js';

/** The deployment page's title: its status first, so that a tab says how it is going. */
export const deploymentTitle = (d: DeploymentView): string => `${d.status} · ${d.name}`;

/**
 * Name, status and the actions. `data-ended`: the deployment has ended (its log stream is complete);
 * deployment.js then looks now and then whether it came back. `data-image`: for the redeploy question.
 */
export function DeploymentHead({ deployment: d }: { deployment: DeploymentView }) {
  return (
    <div class="page-head" id="d-head" data-ended={isTerminalDeployment(d.status) ? '' : undefined}>
      <div>
        <h1>
          {d.name} <Badge status={d.status} id="d-status" />
        </h1>
        <div class="sub mono">{d.id}</div>
        {d.app ? (
          <p class="sub" id="d-app">
            {`v${d.app.version} of app `}
            <a class="strong" href={appHref(d.app.name)}>
              {d.app.name}
            </a>
          </p>
        ) : null}
      </div>
      <div class="page-actions">
        <button
          id="redeploy"
          class="btn"
          type="button"
          disabled={d.image === null}
          data-image={d.image ?? undefined}
          title={d.image === null ? 'Nothing to redeploy until an image is built' : undefined}
        >
          Redeploy…
        </button>
        <button id="cancel-deployment" class="btn danger" type="button" disabled={!canCancel(d)}>
          Cancel deployment…
        </button>
      </div>
    </div>
  );
}
