// The contracts between the scheduler, the agents and the CLI: what each side must agree on over
// Redis, BullMQ, pub/sub and HTTP. Names and keys, the records and messages with their schemas, the
// status machines, the restart policy, the units of a request, image names, the log stream's append
// protocol. Helpers both apps run the same way (settings, Redis connections and scripts, log text
// handling) are `@draas/queue-contracts/runtime` (runtime.ts). No IO here.
export * from './names.js';
export * from './keys.js';
export * from './status.js';
export * from './units.js';
export * from './deployment.js';
export * from './health.js';
export * from './apps.js';
export * from './messages.js';
export * from './errors.js';
export * from './restart.js';
export * from './log-append.js';
export * from './registry.js';
