export * from './config.js';
export * from './handler-module.js';
export * from './example-handlers.js';
export * from './worker-pool.js';
export { AttemptAborted, type AbortCause } from './active-attempts.js';
