export * from './standard-webhooks.js';
export * from './secret-box.js';
