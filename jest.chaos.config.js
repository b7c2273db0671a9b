/**
 * The chaos suite (`npm run test:chaos`): test/chaos only, in band, with its own servers (it
 * restarts them, so it cannot share the harness's), and without the default run's time limit.
 * Settings are environment variables; see test/chaos/chaos.test.ts.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  globalTeardown: undefined,
  testTimeout: 60 * 60_000,
  maxWorkers: 1,
};
