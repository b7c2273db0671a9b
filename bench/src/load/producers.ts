import type { JobsOptions, Queue } from 'bullmq';
import type PgBoss from 'pg-boss';
import type { RunToInsert } from '@runq/db';
import { CREATED_EVENT_DATA, taskRequest, taskRunRow } from '../systems/run-rows.js';
import { LeanHttpPool } from './lean-http.js';
import type { ProducerSpec } from './protocol.js';
import type { Producer } from './producer.js';

export type { Producer } from './producer.js';

/*
 * Libraries are imported when a producer of their kind opens: a load process then starts in a
 * fraction of a second instead of loading every system compared.
 */

/** The job name every peer's no-op worker handles. */
export const PEER_TASK = 'noop';

/** The body of one `POST /runs` (see run-rows.ts). */
export function taskBody(projectId: string, seq: number, sentAt: number): string {
  return JSON.stringify(taskRequest(projectId, seq, sentAt));
}

function runqHttp(spec: Extract<ProducerSpec, { kind: 'runq-http' }>): Producer {
  const pool = new LeanHttpPool(spec.baseUrl, 256);
  const host = new URL(spec.baseUrl).host;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${spec.apiKey}` };
  return {
    async send(seq, sentAt) {
      const request = LeanHttpPool.request('POST', '/runs', host, headers, taskBody(spec.projectId, seq, sentAt));
      // The body is kept (a view, not a copy) only to report it when the status is wrong.
      const response = await pool.send(request, true);
      if (response.status !== 202) throw new Error(`POST /runs answered ${response.status}: ${response.body?.toString('utf8').slice(0, 200) ?? ''}`);
    },
    async close() {
      pool.close();
    },
  };
}

function runqGet(spec: Extract<ProducerSpec, { kind: 'runq-get' }>): Producer {
  const pool = new LeanHttpPool(spec.baseUrl, 256);
  const host = new URL(spec.baseUrl).host;
  const requests = spec.paths.map((path) => LeanHttpPool.request('GET', path, host, { authorization: `Bearer ${spec.apiKey}` }));
  return {
    async send(seq) {
      const request = requests[seq % requests.length];
      if (!request) throw new Error('no paths to read');
      const response = await pool.send(request, true);
      if (response.status !== 200) throw new Error(`GET answered ${response.status}: ${response.body?.toString('utf8').slice(0, 200) ?? ''}`);
    },
    async close() {
      pool.close();
    },
  };
}

/**
 * The floor: the run row that `RunIngest.createRun` builds for the same task body, stored and
 * queued the way the API does it — concurrent runs share `insertRuns` statements and
 * `enqueueRuns` (addBulk) calls through the same micro-batching, with the API's settings — on a
 * pool of the API's size. What `POST /runs` adds on top of this (HTTP, body parsing, auth,
 * contract validation, request hash, logging, metrics) is the API layer's cost.
 */
async function runqFloor(spec: Extract<ProducerSpec, { kind: 'runq-floor' }>): Promise<Producer> {
  const { insertRuns, openDatabase, RUN_INSERT_BATCHING } = await import('@runq/db');
  const { MicroBatcher } = await import('@runq/async');
  const { RunQueues } = await import('@runq/queue');
  const db = openDatabase(spec.databaseUrl, { maxConnections: spec.poolSize, applicationName: 'runq-bench-floor' });
  const queues = RunQueues.open({ databaseUrl: spec.databaseUrl, redisUrl: spec.redisUrl, prefix: spec.queuePrefix });
  // The API's batching (RUN_INSERT_BATCHING, the queues' dispatch batching, as RunIngest in @runq/engine uses them).
  const inserts = new MicroBatcher({
    runBatch: (entries: readonly RunToInsert[]) => insertRuns(db, entries),
    ...RUN_INSERT_BATCHING,
  });
  const dispatches = new MicroBatcher({
    runBatch: async (ids: readonly string[]) => {
      await queues.enqueueRuns(
        'task',
        ids.map((id) => ({ runId: id, jobId: id })),
      );
      return ids.map(() => undefined);
    },
    runOne: (id: string) => queues.enqueueRun('task', id, { jobId: id }),
    ...queues.dispatchBatching,
  });
  return {
    async send(seq, sentAt) {
      const row = taskRunRow(spec.projectId, seq, sentAt);
      const created = await inserts.submit({ run: row, eventData: CREATED_EVENT_DATA });
      if (!created) throw new Error('insertRuns returned nothing');
      await dispatches.submit(row.id);
    },
    async close() {
      await queues.close();
      await db.destroy();
    },
  };
}

/** Raw BullMQ's `Queue`, on Redis or on its PostgreSQL backend (a pool pinned to the `bullmq` schema, as runq does). */
export async function openBullQueue(spec: {
  backend: 'redis' | 'postgres';
  redisUrl: string | undefined;
  databaseUrl: string | undefined;
  queueName: string;
  prefix: string;
}): Promise<{ queue: Queue; close(): Promise<void> }> {
  const { Queue, createPostgresBackend } = await import('bullmq');
  if (spec.backend === 'redis') {
    const { Redis } = await import('ioredis');
    if (!spec.redisUrl) throw new Error('bullmq on redis needs redisUrl');
    const connection = new Redis(spec.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(spec.queueName, { connection, prefix: spec.prefix });
    queue.on('error', () => undefined);
    return {
      queue,
      async close() {
        await queue.close();
        connection.disconnect();
      },
    };
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: spec.databaseUrl, options: '-c search_path=bullmq', max: 10, application_name: 'bench-bullmq' });
  pool.on('error', () => undefined);
  // BullMQ types a queue by its backend's connection; the bench handles both through one type.
  const queue = new Queue(spec.queueName, { connection: pool }, createPostgresBackend) as unknown as Queue;
  queue.on('error', () => undefined);
  return {
    queue,
    async close() {
      await queue.close();
      await pool.end();
    },
  };
}

async function bullmq(spec: Extract<ProducerSpec, { kind: 'bullmq' }>): Promise<Producer> {
  const { queue, close } = await openBullQueue(spec);
  // The same retention as runq's own jobs on that backend, so both keep the same finished-job data.
  const { FINISHED_JOB_RETENTION } = await import('@runq/queue');
  const options: JobsOptions = FINISHED_JOB_RETENTION[spec.backend];
  return {
    async send(_seq, sentAt) {
      await queue.add(PEER_TASK, { sent_at: sentAt }, options);
    },
    async sendBulk(count, sentAt) {
      for (let done = 0; done < count; done += 500) {
        const size = Math.min(500, count - done);
        await queue.addBulk(Array.from({ length: size }, () => ({ name: PEER_TASK, data: { sent_at: sentAt }, opts: options })));
      }
    },
    close,
  };
}

async function graphile(spec: Extract<ProducerSpec, { kind: 'graphile' }>): Promise<Producer> {
  // graphile-worker's defaults (pool of 10); it logs through its own logger.
  const { makeWorkerUtils } = await import('graphile-worker');
  const utils = await makeWorkerUtils({ connectionString: spec.databaseUrl });
  return {
    async send(_seq, sentAt) {
      await utils.addJob(PEER_TASK, { sent_at: sentAt });
    },
    async sendBulk(count, sentAt) {
      for (let done = 0; done < count; done += 500) {
        const size = Math.min(500, count - done);
        await utils.addJobs(Array.from({ length: size }, () => ({ identifier: PEER_TASK, payload: { sent_at: sentAt } })));
      }
    },
    async close() {
      await utils.release();
    },
  };
}

/** pg-boss with its maintenance and scheduling off in producers (the worker process runs them). */
export function pgBossOptions(databaseUrl: string, supervise: boolean): PgBoss.ConstructorOptions {
  return { connectionString: databaseUrl, supervise, schedule: false, migrate: supervise };
}

async function pgboss(spec: Extract<ProducerSpec, { kind: 'pgboss' }>): Promise<Producer> {
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss(pgBossOptions(spec.databaseUrl, false));
  boss.on('error', () => undefined);
  await boss.start();
  return {
    async send(_seq, sentAt) {
      const id = await boss.send(spec.queueName, { sent_at: sentAt });
      if (!id) throw new Error('pg-boss send returned no id');
    },
    async sendBulk(count, sentAt) {
      for (let done = 0; done < count; done += 500) {
        const size = Math.min(500, count - done);
        await boss.insert(Array.from({ length: size }, () => ({ name: spec.queueName, data: { sent_at: sentAt } })));
      }
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}

/** Opens the producer a spec names. */
export async function openProducer(spec: ProducerSpec): Promise<Producer> {
  switch (spec.kind) {
    case 'runq-http':
      return runqHttp(spec);
    case 'runq-floor':
      return runqFloor(spec);
    case 'bullmq':
      return bullmq(spec);
    case 'graphile':
      return graphile(spec);
    case 'pgboss':
      return pgboss(spec);
    case 'runq-get':
      return runqGet(spec);
    case 'sql-whatif':
      return (await import('./sql-whatif.js')).openSqlWhatIf(spec);
  }
}
