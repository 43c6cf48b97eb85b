import { isTerminalDeployment, isTerminalInstance, type DeploymentView } from '@draas/queue-contracts';

// When `draas deploy` stops following: a pure function of the deployment as last seen.

export type DeployOutcome = 'running' | 'failed' | 'waiting';

/** The attempt at which an instance that is still not running counts as crash-looping. */
export const CRASH_LOOP_ATTEMPTS = 3;

export function deployOutcome(view: DeploymentView): DeployOutcome {
  if (isTerminalDeployment(view.status)) return 'failed';
  const { instances } = view;
  if (view.status === 'running' && instances.length >= view.replicas && instances.every((i) => i.status === 'running')) return 'running';
  // With restart "no" an ended instance never comes back, so "every instance running" cannot happen.
  if (view.restart === 'no' && instances.some((i) => isTerminalInstance(i.status))) return 'failed';
  // A crash loop: restarts go on (with back-off) but the user should hear now that it keeps failing.
  if (instances.some((i) => i.attempt >= CRASH_LOOP_ATTEMPTS && i.status !== 'running')) return 'failed';
  return 'waiting';
}

/** The URLs to print: the deployment's, else every instance's. */
export const deploymentUrls = (view: DeploymentView): string[] =>
  view.urls.length ? view.urls : [...new Set(view.instances.flatMap((i) => i.urls))];
