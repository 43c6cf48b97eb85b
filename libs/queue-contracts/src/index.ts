export * from './names.js';
export * from './keys.js';
export * from './status.js';
export * from './units.js';
export * from './deployment.js';
export * from './messages.js';
export * from './errors.js';
export * from './settings.js';
