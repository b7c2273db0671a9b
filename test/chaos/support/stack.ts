import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '@runq/auth';
import { migrateToLatest, openDatabase, type Db } from '@runq/db';
import { migrateQueueBackend } from '@runq/queue';
import { ChaosProcesses } from './processes.js';
import { ChaosPostgres, ChaosRedis } from './servers.js';

export type ChaosBackend = 'postgres' | 'redis';

/** The queue backends a chaos suite runs on: RUNQ_CHAOS_BACKENDS (default `postgres,redis`). */
export const CHAOS_BACKENDS = (process.env['RUNQ_CHAOS_BACKENDS'] ?? 'postgres,redis').split(',').filter(Boolean) as ChaosBackend[];

/** The workers' lease: a killed or paused worker's runs are taken over this long after its last renewal. */
export const LEASE_MS = 2_000;

/** Worker settings under which the runs of a lost worker are recovered within seconds. */
export const WORKER_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'info',
  RUNQ_WORKER_LEASE_MS: String(LEASE_MS),
  RUNQ_RECONCILE_INTERVAL_MS: '300',
  RUNQ_RECONCILE_GRACE_MS: '1500',
  RUNQ_WORKER_SHUTDOWN_GRACE_MS: '2000',
};

export const WORKER_ARGS: readonly string[] = ['--concurrency', '8'];

/** The database, queue prefix and run store a chaos test's runq processes share. */
const QUEUE_PREFIX = 'chaos';

/** What a chaos test runs against. */
export interface ChaosStack {
  postgres: ChaosPostgres;
  /** Only on the Redis backend. */
  redis: ChaosRedis | undefined;
  databaseUrl: string;
  /** A handle on the run store, for checking what the processes wrote. */
  db: Db;
  /** The project the test's API key may use. */
  projectId: string;
  token: string;
  processes: ChaosProcesses;
}

/** How many runq processes a chaos test starts, and what else they are told. */
export interface ChaosStackOptions {
  apis: number;
  workers: number;
  /** Settings for every process, beside the database, Redis and queue prefix. */
  env?: Record<string, string>;
  /** Settings for the workers (default {@link WORKER_ENV}). */
  workerEnv?: Readonly<Record<string, string>>;
}

/**
 * Registers a chaos suite's hooks: a temporary directory before all tests and, after all, in
 * this order, `beforeStop` (the test's own clients), the runq processes, the database handle, the
 * servers and the directory. `start` brings up the servers, a migrated database with one
 * project's API key, and the API and worker processes.
 */
export function useChaosStack(
  name: string,
  beforeStop?: () => Promise<void>,
): { start(backend: ChaosBackend, options: ChaosStackOptions): Promise<ChaosStack> } {
  let dir: string | undefined;
  let started: Partial<ChaosStack> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `runq-chaos-${name}-`));
  });
  afterAll(async () => {
    await beforeStop?.();
    await started.processes?.stopAll();
    await started.db?.destroy();
    await started.redis?.stop();
    await started.postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    async start(backend, options) {
      if (!dir) throw new Error('useChaosStack: start() runs inside a test, after beforeAll');
      started = {};
      const postgres = await ChaosPostgres.start(dir);
      started.postgres = postgres;
      if (backend === 'redis') started.redis = await ChaosRedis.start(dir);
      const databaseUrl = await postgres.createDatabase('chaos');
      const db = openDatabase(databaseUrl, { maxConnections: 4 });
      started.db = db;
      const migrated = await migrateToLatest(db);
      if (migrated.error) throw migrated.error;
      await migrateQueueBackend({ databaseUrl, prefix: QUEUE_PREFIX });
      const projectId = randomUUID();
      const { token } = await createApiKey(db, { projectIds: [projectId], name: 'chaos' });
      const processes = new ChaosProcesses({
        DATABASE_URL: databaseUrl,
        RUNQ_QUEUE_PREFIX: QUEUE_PREFIX,
        ...options.env,
        ...(started.redis ? { REDIS_URL: started.redis.url } : {}),
      });
      started.processes = processes;
      await processes.startApis(options.apis);
      await processes.startWorkers(options.workers, options.workerEnv ?? WORKER_ENV, WORKER_ARGS);
      return { postgres, redis: started.redis, databaseUrl, db, projectId, token, processes };
    },
  };
}
