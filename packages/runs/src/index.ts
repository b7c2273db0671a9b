export * from './run-state.js';
export * from './run-kind.js';
export * from './run-id.js';
export * from './run-record.js';
export * from './run-envelope.js';
export * from './errors.js';
export * from './retry-policy.js';
export * from './flow-policy.js';
