export * from './handler-module.js';
export * from './define-handlers.js';
