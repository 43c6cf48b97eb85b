// What the scheduler and the agent both run, written once (`@draas/queue-contracts/runtime`): reading
// settings, Redis connections and their Lua scripts, splitting and batching log text. The contracts
// themselves are the package's main entry (index.ts).
export * from './settings.js';
export * from './lua-script.js';
export * from './redis-connection.js';
export * from './line-splitter.js';
export * from './log-batcher.js';
