import { ConfigError } from './env.js';

/**
 * Test helper (`@runq/config/testing`): calls `read` and returns the {@link ConfigError} it
 * throws, so a test can assert on the variable and the message; any other outcome fails.
 *
 * @example
 * expect(configErrorOf(() => loadWorkerConfig({})).variable).toBe('DATABASE_URL');
 */
export function configErrorOf(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
