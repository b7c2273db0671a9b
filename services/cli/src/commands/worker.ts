import { parseArgs } from 'node:util';
import { createLogger, type Env } from '@runq/config';
import { loadWorkerConfig, startWorkerPool, workerShutdownDeadlineMs } from '@runq/worker';
import { onShutdown } from '../shutdown.js';

/** `runq worker [--kinds …] [--concurrency N|kind=N,…] [--handlers PATH] [--runtime-target T …]`: one worker process. */
export async function workerCommand(args: string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { kinds: { type: 'string' }, concurrency: { type: 'string' }, handlers: { type: 'string' }, 'runtime-target': { type: 'string', multiple: true } },
    strict: true,
    allowPositionals: false,
  });
  const config = loadWorkerConfig(env, values);
  const log = createLogger({ level: config.logLevel, service: 'worker' });
  const starting = startWorkerPool(config, log);
  // Listen for signals before the pool starts: its queue workers take jobs as soon as they
  // exist, and without a listener a SIGTERM in that window would kill running handlers
  // outright. A signal during start-up waits for it (within the deadline), then shuts down gracefully.
  onShutdown({ stages: async () => (await starting).shutdownStages, deadlineMs: workerShutdownDeadlineMs(config), log });
  await starting;
  return 0;
}
