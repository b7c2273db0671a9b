import type { RunQueues } from '@runq/queue';
import { startTestApi, type QueueBackendName, type TestApi } from './harness.js';
import { ReportDir } from './report-file.js';
import { RunClient } from './run-client.js';
import { openTestQueues } from './test-queues.js';
import { ProcessGroup, fixturePath, type CliProcess, type WorkerEnvOverrides } from './worker-process.js';

/** The fixture handler module the process suites run (`test/fixtures/handlers.mjs`). */
export const FIXTURE_HANDLERS = fixturePath('handlers.mjs');

/** What a suite that drives worker processes works with; filled in by its `beforeAll`. */
export interface E2eContext {
  api: TestApi;
  client: RunClient;
  reports: ReportDir;
  queues: RunQueues;
  processes: ProcessGroup;
  /** Starts `count` worker processes with the fixture handlers, keyed by pid. */
  startWorkers(count: number, env?: WorkerEnvOverrides): Promise<Map<number, CliProcess>>;
}

/**
 * Registers the hooks of a worker-process suite on `backend`: an API on its own database and
 * queue prefix, a run client, a report directory and the suite's queues before all tests;
 * after each test, every process it started is killed (SIGKILL) and the event log of every
 * run it created is checked against the transition table; after all, everything is closed.
 */
export function useE2eContext(backend: QueueBackendName): E2eContext {
  const processes = new ProcessGroup();
  const context = { processes } as E2eContext;
  context.startWorkers = async (count, env = {}) => {
    const workers = await Promise.all(Array.from({ length: count }, () => processes.startWorker(context.api, FIXTURE_HANDLERS, { env })));
    return new Map(workers.map((worker) => [worker.pid, worker]));
  };
  beforeAll(async () => {
    context.api = await startTestApi({ backend });
    context.client = await RunClient.open(context.api);
    context.reports = await ReportDir.create();
    context.queues = openTestQueues(context.api);
  });
  afterEach(async () => {
    await processes.killAll();
    await context.client.verifyEventLogs();
  });
  afterAll(async () => {
    await processes.killAll();
    await context.queues?.close();
    await context.api?.close();
    await context.reports?.remove();
  });
  return context;
}
