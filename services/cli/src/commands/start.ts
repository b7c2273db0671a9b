import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { API_SHUTDOWN_DEADLINE_MS, loadApiConfig, startApi } from '@runq/api';
import { createLogger, type Env } from '@runq/config';
import { openDatabase } from '@runq/db';
import { RunqMetrics } from '@runq/metrics';
import { startLocalPostgres, type LocalPostgres } from '@runq/local';
import type { CloseStage } from '@runq/async';
import { loadWorkerConfig, startWorkerPool, exampleHandlers, workerShutdownDeadlineMs, type WorkerConfig } from '@runq/worker';
import { ensureDevCredentials } from '../dev-credentials.js';
import { onShutdown } from '../shutdown.js';
import { migrateAll } from './migrate.js';

/** The database `runq start` uses on its local server. */
const LOCAL_DATABASE = 'runq';
/**
 * How long the local PostgreSQL's fast shutdown may take (well under a second normally). Past
 * it, the server is left to its watchdog, which stops it once this process has exited.
 */
const LOCAL_POSTGRES_STOP_MS = 5_000;

/**
 * `runq start`: everything on one machine. Without `DATABASE_URL`, a local PostgreSQL kept
 * under `./.runq/`; then migrations, the API with the dashboard, and a worker pool running
 * the handlers of `--handlers` (default: built-in examples). Prints where everything is.
 */
export async function startCommand(args: string[], env: Env, print: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { handlers: { type: 'string' }, concurrency: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const stateDir = resolve('.runq');
  await mkdir(stateDir, { recursive: true });
  let server: LocalPostgres | undefined;
  let databaseUrl = env['DATABASE_URL'];
  if (!databaseUrl) {
    print('starting local PostgreSQL under ./.runq/postgres …');
    server = await startLocalPostgres({ dataDir: join(stateDir, 'postgres'), persistent: true });
    databaseUrl = await server.ensureDatabase(LOCAL_DATABASE);
  }
  try {
    await migrateAll(databaseUrl, env['REDIS_URL']);
    const db = openDatabase(databaseUrl, { maxConnections: 1 });
    const credentials = await ensureDevCredentials(db, stateDir).finally(() => db.destroy());
    const settings: Env = {
      LOG_LEVEL: 'warn',
      // One process, one tracing SDK: its spans, the API's and the worker's, come from service `runq`.
      OTEL_SERVICE_NAME: 'runq',
      ...env,
      DATABASE_URL: databaseUrl,
      RUNQ_ADMIN_TOKEN: env['RUNQ_ADMIN_TOKEN'] ?? credentials.adminToken,
      RUNQ_SECRETS_KEY: env['RUNQ_SECRETS_KEY'] ?? credentials.secretsKey,
    };
    const apiConfig = loadApiConfig(settings);
    const workerConfig = loadWorkerConfig(settings, {
      ...(values.handlers ? { handlers: values.handlers } : {}),
      ...(values.concurrency ? { concurrency: values.concurrency } : {}),
    });
    // One process, one metrics registry: the API's /metrics shows the workers' figures too.
    const metrics = new RunqMetrics({ service: 'runq' });
    const api = await startApi(apiConfig, createLogger({ level: apiConfig.logLevel, service: 'api' }), metrics);
    const workerLog = createLogger({ level: workerConfig.logLevel, service: 'worker' });
    const workers = await startWorkerPool(workerConfig, workerLog, values.handlers ? undefined : exampleHandlers, metrics);
    const stages: CloseStage[] = [
      ...alongside(workers.shutdownStages, api.shutdownStages),
      ...(server ? [[{ name: 'local postgres', timeoutMs: LOCAL_POSTGRES_STOP_MS, close: () => server.stop() }]] : []),
    ];
    onShutdown({
      stages: () => stages,
      deadlineMs: startShutdownDeadlineMs(workerConfig, server !== undefined),
      log: { info: print, warn: print, error: print },
    });
    printBanner(print, api.url, credentials, settings['RUNQ_ADMIN_TOKEN'] ?? '', values.handlers);
    return 0;
  } catch (error) {
    await server?.stop();
    throw error;
  }
}

/**
 * The latest `runq start` is still shutting down after Ctrl-C: its worker's and its API's
 * stages close side by side, then its local PostgreSQL (when it runs one) stops.
 */
export function startShutdownDeadlineMs(workerConfig: Pick<WorkerConfig, 'shutdownGraceMs'>, localPostgres: boolean): number {
  return Math.max(workerShutdownDeadlineMs(workerConfig), API_SHUTDOWN_DEADLINE_MS) + (localPostgres ? LOCAL_POSTGRES_STOP_MS : 0);
}

/** The worker's and the API's stages side by side: stage n of both closes at the same time. */
function alongside(first: readonly CloseStage[], second: readonly CloseStage[]): CloseStage[] {
  return Array.from({ length: Math.max(first.length, second.length) }, (_, index) => [...(first[index] ?? []), ...(second[index] ?? [])]);
}

function printBanner(
  print: (line: string) => void,
  url: string,
  credentials: { projectId: string; apiKey: string },
  adminToken: string,
  handlers: string | undefined,
): void {
  const body = JSON.stringify({ kind: 'task', owner: { kind: 'project', id: credentials.projectId }, request: { target: 'hello' } });
  print('');
  print('runq is running');
  print(`  API:        ${url}`);
  print(`  Dashboard:  ${url}/admin/queues   (user admin, password ${adminToken})`);
  print(`  Project:    ${credentials.projectId}`);
  print(`  API key:    ${credentials.apiKey}`);
  print(`  Handlers:   ${handlers ?? 'built-in examples (pass --handlers ./my-handlers.js for your own)'}`);
  print('');
  print('Create a run:');
  print(`  curl -s -X POST ${url}/runs -H 'Authorization: Bearer ${credentials.apiKey}' -H 'Content-Type: application/json' -d '${body}'`);
  print('Or with the CLI:');
  print(`  export RUNQ_URL=${url} RUNQ_API_KEY=${credentials.apiKey} RUNQ_PROJECT_ID=${credentials.projectId}`);
  print('  npx runq runs create --kind task --target hello --wait');
  print('Stop with Ctrl-C.');
}
