export * from './standard-webhooks.js';
export * from './secret-box.js';
export * from './retry-schedule.js';
export * from './destination.js';
