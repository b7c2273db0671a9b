import { parseArgs } from 'node:util';
import { createLogger, type Env } from '@runq/config';
import { loadWorkerConfig, startWorkerPool } from '@runq/worker';
import { onShutdown } from '../shutdown.js';

/** `runq worker [--kinds …] [--concurrency N] [--handlers PATH]`: one worker process. */
export async function workerCommand(args: string[], env: Env): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { kinds: { type: 'string' }, concurrency: { type: 'string' }, handlers: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const config = loadWorkerConfig(env, values);
  const log = createLogger({ level: config.logLevel, service: 'worker' });
  const pool = await startWorkerPool(config, log);
  onShutdown(() => pool.close(), (line) => log.info(line));
  return 0;
}
