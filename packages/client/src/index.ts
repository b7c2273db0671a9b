export { createRunqClient, publicIdFor, type CreateRunOptions, type RunqClient } from './client.js';
export { RunqProblemError, RunqTimeoutError, type ProblemFieldError } from './errors.js';
export type { RequestOptions, TransportOptions } from './http.js';
export * from './types.js';
export type { components, operations, paths } from './generated/api.js';
