export * from './job-catalog.js';
export * from './queue-backend.js';
export * from './redis-connection.js';
export * from './run-queues.js';
