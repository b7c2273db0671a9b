export * from './caller.js';
export * from './api-key.js';
export * from './api-key.service.js';
export * from './jwt.js';
export * from './authenticator.js';
