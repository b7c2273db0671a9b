export { openTracing } from './open-tracing.js';
export * from './run-tracing.js';
