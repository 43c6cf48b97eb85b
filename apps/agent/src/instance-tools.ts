import type { InstanceStopper } from './control/stopper.js';
import type { Logger } from './logger.js';
import type { LogFollowers } from './logs/log-followers.js';
import type { HealthProbes } from './probes/health-probes.js';
import type { DockerRuntime } from './runtime/docker-runtime.js';
import type { DesiredStateReader } from './state/desired-state.js';
import type { StatusReporter } from './status/reporter.js';
import type { KeyedLock } from './util/keyed-lock.js';

/** What every part that acts on an instance's container uses (deploy jobs, reconcile). */
export interface InstanceTools {
  runtime: DockerRuntime;
  desired: DesiredStateReader;
  reporter: StatusReporter;
  followers: LogFollowers;
  stopper: InstanceStopper;
  /** Health probes of running instances, started after their `running` report. */
  probes: HealthProbes;
  /** Serialises deploy, stop, reconcile and exit handling per instance. */
  locks: KeyedLock;
  log: Logger;
}

/** How far back a re-attached log follower looks for lines printed while nobody followed. */
export const LOG_CATCH_UP_MS = 5000;
