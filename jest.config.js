/**
 * Jest runs the TypeScript sources directly (transformed by SWC as ES modules), so a test
 * never depends on a stale build. Workspace imports (`@runq/db`, `@runq/db/testing`) are
 * mapped to their `src/` entry points for the same reason.
 */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const workspaces = {
  async: 'packages/async',
  webhooks: 'packages/webhooks',
  runs: 'packages/runs',
  config: 'packages/config',
  metrics: 'packages/metrics',
  tracing: 'packages/tracing',
  contract: 'packages/contract',
  db: 'packages/db',
  auth: 'packages/auth',
  handlers: 'packages/handlers',
  queue: 'packages/queue',
  engine: 'packages/engine',
  local: 'packages/local',
  client: 'packages/client',
  api: 'services/api',
  worker: 'services/worker',
  cli: 'services/cli',
};

const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
for (const [name, dir] of Object.entries(workspaces)) {
  moduleNameMapper[`^@runq/${name}$`] = `<rootDir>/${dir}/src/index.ts`;
  moduleNameMapper[`^@runq/${name}/testing$`] = `<rootDir>/${dir}/src/testing.ts`;
}

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testMatch: [
    '<rootDir>/packages/*/src/**/*.test.ts',
    '<rootDir>/services/*/src/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/bench/src/**/*.test.ts',
  ],
  // The chaos suite restarts its own servers and runs for many minutes: `npm run test:chaos`.
  // The Dockerfile suite (npm ci and a full build, minutes) runs with `npm run test:infra`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/', ...(process.env.RUNQ_TEST_INFRA ? [] : ['<rootDir>/test/infra/'])],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 2,
  // How long a worker may take to exit once its files are done before Jest kills it and warns
  // of a leak (default 500 ms). Measured with an exit hook in the workers: after the API suites
  // nothing but the worker's own stdio and IPC pipes is left open, and the worker reaches its
  // 'exit' event 0–320 ms after Jest asks it to end; on a 2-core machine at load average 15–20
  // the rest of the round trip pushed it past 500 ms, a false report of a leaked handle. A real
  // leak still ends in the warning after this bound.
  workerGracefulExitTimeout: 5_000,
};
