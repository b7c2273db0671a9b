import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadApiConfig, startApi, type RunningApi } from '@runq/api';
import { createApiKey } from '@runq/auth';
import { createLogger } from '@runq/config';
import { openDatabase, type Db } from '@runq/db';
import { loadWorkerConfig, startWorkerPool, type HandlerModule, type WorkerPool } from '@runq/worker';
import { HARNESS_ENV, TEMPLATE_DATABASE } from './harness-env.js';
import { pollUntil } from './poll.js';

/** The `RUNQ_SECRETS_KEY` of every API and worker the harness starts. */
export const TEST_SECRETS_KEY = 'test-secrets-key-of-the-harness-0123456789';

/** Every queue backend the harness can run an API and workers on. */
export const ALL_QUEUE_BACKENDS = ['postgres', 'redis', 'redis-cluster'] as const;
/** A queue backend: PostgreSQL, one Redis server, or the three-master Redis Cluster. */
export type QueueBackendName = (typeof ALL_QUEUE_BACKENDS)[number];

/**
 * The queue backends every ingest and lifecycle suite runs against: PostgreSQL and Redis, or
 * the comma-separated list in `RUNQ_TEST_QUEUE_BACKENDS` (`npm run test:cluster` runs the
 * lifecycle suites on `redis-cluster`).
 */
export const QUEUE_BACKENDS: readonly QueueBackendName[] = queueBackendsFromEnv(process.env['RUNQ_TEST_QUEUE_BACKENDS']);

function queueBackendsFromEnv(value: string | undefined): readonly QueueBackendName[] {
  if (!value?.trim()) return ['postgres', 'redis'];
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !(ALL_QUEUE_BACKENDS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new Error(`RUNQ_TEST_QUEUE_BACKENDS: unknown backend ${JSON.stringify(unknown)} (known: ${ALL_QUEUE_BACKENDS.join(', ')})`);
  return names as QueueBackendName[];
}

/** The `REDIS_URL` of a backend (undefined for PostgreSQL). */
export function redisUrlOf(backend: QueueBackendName): string | undefined {
  if (backend === 'redis') return harnessValue(HARNESS_ENV.redisUrl);
  if (backend === 'redis-cluster') return harnessValue(HARNESS_ENV.redisClusterUrl);
  return undefined;
}

function harnessValue(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (its globalSetup starts the servers)`);
  return value;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A database of one test file, cloned from the migrated template. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of one test file, opened through runq's store on one connection
 * (so session state, such as prepared statements, is the file's to inspect). `close` destroys
 * the pool and drops the database.
 */
export async function openOwnDatabase(): Promise<{ db: Db; url: string; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const db = openDatabase(database.url, { maxConnections: 1 });
  return {
    db,
    url: database.url,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}

/**
 * {@link openOwnDatabase} for the enclosing `describe`: opened in its `beforeAll`, closed in its
 * `afterAll`. Read `db` and `url` inside tests and hooks.
 */
export function useOwnDatabase(): { readonly db: Db; readonly url: string } {
  let opened: Awaited<ReturnType<typeof openOwnDatabase>> | undefined;
  beforeAll(async () => {
    opened = await openOwnDatabase();
  });
  afterAll(async () => {
    await opened?.close();
  });
  const current = () => {
    if (!opened) throw new Error('the database is opened in beforeAll');
    return opened;
  };
  return {
    get db() {
      return current().db;
    },
    get url() {
      return current().url;
    },
  };
}

/** Creates a fresh, migrated database (a clone of the template; a few tens of milliseconds). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = harnessValue(HARNESS_ENV.postgresUrl);
  const name = `test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(serverUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** An API served in-process on a free loopback port, on its own database and queue prefix. */
export interface TestApi {
  url: string;
  backend: QueueBackendName;
  database: TestDatabase;
  /** A separate pool on the same database, for assertions on what was stored. */
  db: Db;
  /** Every log line the API wrote. */
  logs: string[];
  api: RunningApi;
  /** The configuration the API runs with. */
  config: ReturnType<typeof loadApiConfig>;
  /** Creates an API key for `projectIds` and returns its token. */
  createKey(projectIds: readonly string[], name?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the API on `backend` with a fresh database; extra settings go in `env`. */
export async function startTestApi(options: { backend?: QueueBackendName; env?: Record<string, string> } = {}): Promise<TestApi> {
  const backend = options.backend ?? 'postgres';
  const database = await createTestDatabase();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const config = loadApiConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    HOST: '127.0.0.1',
    RUNQ_QUEUE_PREFIX: `test-${randomUUID()}`,
    RUNQ_SECRETS_KEY: TEST_SECRETS_KEY,
    LOG_LEVEL: 'info',
    ...(backend !== 'postgres' ? { REDIS_URL: redisUrlOf(backend) as string } : {}),
    ...options.env,
  });
  const api = await startApi(config, createLogger({ level: config.logLevel, service: 'api', destination }));
  const db = openDatabase(database.url, { maxConnections: 4 });
  return {
    url: api.url,
    backend,
    database,
    db,
    logs,
    api,
    config,
    createKey: async (projectIds, name) => (await createApiKey(db, { projectIds, name: name ?? null })).token,
    async close() {
      await api.close();
      await db.destroy();
      await database.drop();
    },
  };
}

/** A JSON request to a test API. */
export async function requestJson(
  base: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['authorization'] = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the raw text is returned for the assertion to report.
  }
  return { status: response.status, headers: response.headers, body };
}

/** A worker pool running in the test process against a test API's database and queues. */
export interface TestWorker {
  pool: WorkerPool;
  logs: string[];
  close(): Promise<void>;
}

/** Starts a worker pool with `handlers` on the same database, backend and queue prefix as `api`. */
export async function startTestWorker(
  api: TestApi,
  handlers: HandlerModule,
  options: { env?: Record<string, string>; kinds?: string; concurrency?: string; runtimeTargets?: string[] } = {},
): Promise<TestWorker> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const config = loadWorkerConfig(
    {
      DATABASE_URL: api.database.url,
      RUNQ_QUEUE_PREFIX: api.config.queuePrefix,
      RUNQ_SECRETS_KEY: TEST_SECRETS_KEY,
      LOG_LEVEL: 'info',
      RUNQ_WORKER_LEASE_MS: '3000',
      RUNQ_RECONCILE_INTERVAL_MS: '250',
      RUNQ_RECONCILE_GRACE_MS: '500',
      RUNQ_WORKER_SHUTDOWN_GRACE_MS: '2000',
      ...(api.config.redisUrl ? { REDIS_URL: api.config.redisUrl } : {}),
      ...options.env,
    },
    {
      ...(options.kinds ? { kinds: options.kinds } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.runtimeTargets ? { 'runtime-target': options.runtimeTargets } : {}),
    },
  );
  const pool = await startWorkerPool(config, createLogger({ level: config.logLevel, service: 'worker', destination }), handlers);
  return {
    pool,
    logs,
    async close() {
      await pool.close();
    },
  };
}

/**
 * Resolves with the run read from `baseUrl` once `predicate` holds; rejects after `timeoutMs`.
 * Polls every `intervalMs`: a run's state lives in Postgres and has no push channel that a test
 * could subscribe to without also testing it.
 */
export async function waitForRunAt(
  baseUrl: string,
  key: string,
  runId: string,
  predicate: (run: any) => boolean,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<any> {
  const read = async () => (await requestJson(baseUrl, 'GET', `/runs/${runId}`, { key })).body;
  const { value, done } = await pollUntil(read, predicate, { timeoutMs, intervalMs });
  if (!done) throw new Error(`run ${runId} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(value)}`);
  return value;
}

/** {@link waitForRunAt} on an in-process test API, every 25 ms. */
export function waitForRun(api: TestApi, key: string, runId: string, predicate: (run: any) => boolean, timeoutMs = 15_000): Promise<any> {
  return waitForRunAt(api.url, key, runId, predicate, timeoutMs, 25);
}
