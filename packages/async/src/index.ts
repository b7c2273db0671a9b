export * from './micro-batcher.js';
export * from './with-timeout.js';
export * from './close-steps.js';
export * from './settle-bounded.js';
export * from './dependency-errors.js';
