export * from './env.js';
export * from './logger.js';
export * from './redis-url.js';
export * from './shared-settings.js';
export * from './tracing-settings.js';
