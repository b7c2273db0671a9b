export * from './run-ingest.js';
export * from './run-fields.js';
export * from './request-hash.js';
export * from './run-control.js';
export * from './run-admission.js';
export * from './policy-control.js';
export * from './fair-share.js';
