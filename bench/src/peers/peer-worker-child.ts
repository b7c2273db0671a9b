import type { Worker } from 'bullmq';
import type { Runner } from 'graphile-worker';
import pg from 'pg';
import { serveRequests } from '../env/child-side.js';
import { PEER_TASK, pgBossOptions } from '../load/producers.js';
import { SampleBuffer, wallNow } from '../stats.js';
import type { DrainReport, PeerReply, PeerRequest, PeerWorkerSpec } from './protocol.js';

/*
 * A peer's worker in its own process, with a no-op handler that records when each job
 * started. Driven by the orchestrator over IPC (see peer-worker-client.ts).
 */

interface RunningWorker {
  /** Resolves once the store reports that no job counted since the last reset is left unfinished. */
  confirmFinished(expected: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let handled = 0;
let firstStartAt = Number.NaN;
let completedEvents = 0;
const pickup = new SampleBuffer();
let worker: RunningWorker | undefined;

function recordStart(data: unknown): void {
  const now = wallNow();
  handled += 1;
  if (Number.isNaN(firstStartAt)) firstStartAt = now;
  const sentAt = (data as { sent_at?: unknown } | null)?.sent_at;
  if (typeof sentAt === 'number') pickup.push(now - sentAt);
}

/** Polls `query` (one integer column `n`) until it returns 0. */
async function pollUntilZero(databaseUrl: string, query: string, params: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-peer-check' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (;;) {
      const result = await client.query<{ n: number }>(query, params);
      if ((result.rows[0]?.n ?? 0) === 0) return;
      await sleep(10);
    }
  } finally {
    await client.end();
  }
}

async function startBullmq(spec: Extract<PeerWorkerSpec, { kind: 'bullmq' }>): Promise<RunningWorker> {
  const { Worker, createPostgresBackend } = await import('bullmq');
  const processor = async (job: { data: unknown }) => {
    recordStart(job.data);
  };
  let bull: Worker;
  let cleanup: () => Promise<void>;
  if (spec.backend === 'redis') {
    const { Redis } = await import('ioredis');
    const connection = new Redis(spec.redisUrl ?? '', { maxRetriesPerRequest: null });
    bull = new Worker(spec.queueName, processor, { connection, prefix: spec.prefix, concurrency: spec.concurrency });
    cleanup = async () => connection.disconnect();
  } else {
    const pool = new pg.Pool({ connectionString: spec.databaseUrl, options: '-c search_path=bullmq', max: 10, application_name: 'bench-bullmq-worker' });
    pool.on('error', () => undefined);
    // BullMQ types a worker by its backend's connection; both are handled through one type here.
    bull = new Worker(spec.queueName, processor, { connection: pool, concurrency: spec.concurrency }, createPostgresBackend) as unknown as Worker;
    cleanup = () => pool.end();
  }
  bull.on('error', () => undefined);
  bull.on('completed', () => {
    completedEvents += 1;
  });
  await bull.waitUntilReady();
  return {
    async confirmFinished(expected) {
      // 'completed' fires once BullMQ has moved the job to completed in the store.
      while (completedEvents < expected) await sleep(2);
    },
    async stop() {
      await bull.close();
      await cleanup();
    },
  };
}

async function startGraphile(spec: Extract<PeerWorkerSpec, { kind: 'graphile' }>): Promise<RunningWorker> {
  const { run } = await import('graphile-worker');
  const runner: Runner = await run({
    connectionString: spec.databaseUrl,
    concurrency: spec.concurrency,
    maxPoolSize: Math.max(10, spec.concurrency + 2),
    noHandleSignals: true,
    taskList: {
      [PEER_TASK]: async (payload) => {
        recordStart(payload);
      },
    },
  });
  return {
    // graphile-worker deletes a job when it completes it.
    confirmFinished: () => pollUntilZero(spec.databaseUrl, 'select count(*)::int as n from graphile_worker._private_jobs', []),
    async stop() {
      await runner.stop();
    },
  };
}

async function startPgBoss(spec: Extract<PeerWorkerSpec, { kind: 'pgboss' }>): Promise<RunningWorker> {
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss(pgBossOptions(spec.databaseUrl, true));
  boss.on('error', () => undefined);
  await boss.start();
  for (let i = 0; i < spec.workers; i += 1) {
    await boss.work<unknown>(spec.queueName, { batchSize: spec.batchSize, pollingIntervalSeconds: spec.pollingIntervalSeconds }, async (jobs) => {
      for (const job of jobs) recordStart(job.data);
    });
  }
  return {
    // pg-boss completes a batch after its handler returns, without waiting for it: the store decides.
    confirmFinished: () =>
      pollUntilZero(spec.databaseUrl, "select count(*)::int as n from pgboss.job where name = $1 and state <> 'completed'", [spec.queueName]),
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

async function drain(expected: number, timeoutMs: number, censorAfter: number | undefined): Promise<DrainReport> {
  if (!worker) throw new Error('no worker is running');
  const deadline = wallNow() + timeoutMs;
  while (handled < expected) {
    if (wallNow() > deadline) {
      if (censorAfter === undefined) throw new Error(`only ${handled} of ${expected} jobs ran within ${timeoutMs} ms`);
      const unstarted = expected - handled;
      const now = wallNow();
      for (let i = 0; i < unstarted; i += 1) pickup.push(now - censorAfter);
      return { count: handled, unstarted, firstStartAt, doneAt: now, pickup: pickup.summary() };
    }
    await sleep(2);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the store did not confirm ${expected} finished jobs within ${timeoutMs} ms`)),
      Math.max(1_000, deadline - wallNow()),
    );
  });
  await Promise.race([worker.confirmFinished(expected), timeout]).finally(() => clearTimeout(timer));
  return { count: handled, unstarted: 0, firstStartAt, doneAt: wallNow(), pickup: pickup.summary() };
}

function reply(message: PeerReply): void {
  process.send?.(message);
}

async function handle(message: PeerRequest): Promise<void> {
  switch (message.type) {
    case 'start': {
      const { spec } = message;
      worker = spec.kind === 'bullmq' ? await startBullmq(spec) : spec.kind === 'graphile' ? await startGraphile(spec) : await startPgBoss(spec);
      reply({ type: 'started' });
      return;
    }
    case 'reset':
      handled = 0;
      completedEvents = 0;
      firstStartAt = Number.NaN;
      pickup.clear();
      reply({ type: 'reset' });
      return;
    case 'drain':
      reply({ type: 'drained', report: await drain(message.expected, message.timeoutMs, message.censorAfter) });
      return;
    case 'stop':
      await worker?.stop();
      worker = undefined;
      reply({ type: 'stopped' });
      process.disconnect?.();
      return;
  }
}

serveRequests(handle);
