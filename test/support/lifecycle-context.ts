import type { RunQueues } from '@runq/queue';
import type { HandlerModule } from '@runq/worker';
import { startTestApi, startTestWorker, type QueueBackendName, type TestApi, type TestWorker } from './harness.js';
import { RunClient } from './run-client.js';
import { openTestQueues } from './test-queues.js';

/** What an in-process lifecycle suite works with; filled in by its `beforeAll`. */
export interface LifecycleContext {
  api: TestApi;
  client: RunClient;
  worker: TestWorker;
  /** The suite's queues; only with `queues: true`. */
  queues: RunQueues;
}

/** Options of {@link useLifecycleContext}. */
export interface LifecycleContextOptions {
  /** Settings of the API (its environment). */
  api?: { env?: Record<string, string> };
  /** Options of the worker pool (kinds, concurrency, environment). */
  worker?: Parameters<typeof startTestWorker>[2];
  /** Also open the suite's queues (to look at or tamper with its jobs). */
  queues?: boolean;
  /** Runs after each test, before the event logs are checked (e.g. releasing gates). */
  afterEach?: () => void;
}

/**
 * Registers the hooks of a lifecycle suite on `backend`, the in-process counterpart of
 * `useE2eContext`: an API on its own database and queue prefix, a run client and a worker pool
 * running `handlers` before all tests; after each test, the event log of every run the client
 * created is checked against the transition table; after all, everything is closed.
 */
export function useLifecycleContext(backend: QueueBackendName, handlers: HandlerModule, options: LifecycleContextOptions = {}): LifecycleContext {
  const context = {} as LifecycleContext;
  beforeAll(async () => {
    context.api = await startTestApi({ backend, ...(options.api?.env ? { env: options.api.env } : {}) });
    context.client = await RunClient.open(context.api);
    if (options.queues) context.queues = openTestQueues(context.api);
    context.worker = await startTestWorker(context.api, handlers, options.worker);
  });
  afterEach(async () => {
    options.afterEach?.();
    await context.client.verifyEventLogs();
  });
  afterAll(async () => {
    await context.worker?.close();
    await context.queues?.close();
    await context.api?.close();
  });
  return context;
}
