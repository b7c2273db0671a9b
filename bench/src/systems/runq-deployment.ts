import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { queueNameOf } from '@runq/queue';
import { Queue } from 'bullmq';
import { withRedis, type BenchServers } from '../env/servers.js';
import {
  createRunqKey,
  migrateRunq,
  startRunqApi,
  startRunqWorker,
  type ManagedProcess,
  type MemoryParts,
  type ProcessOptions,
  type RunqTarget,
} from '../env/processes.js';

/** The memory of one role's processes (MiB): the highest peak and rest RSS, and what the process with the highest peak was made of at its highest sampled RSS. */
export interface RoleMemory {
  peakMiB: number;
  restMiB: number;
  parts?: MemoryParts;
}

/** Where runq's queues live. */
export type QueueBackendKind = 'redis' | 'postgres';

/** Redis logical databases: each system gets its own, so resetting one never touches another. */
export const REDIS_DB = { runqRedis: 1, bullmq: 2, runqReads: 3 } as const;

/** Timestamps of one run, as epoch milliseconds (NaN when unset). */
export interface RunTimes {
  id: string;
  created: number;
  started: number;
  completed: number;
  /** The client's send time, carried in the task's `config.sent_at`. */
  sent: number;
}

/** What the bench passes to runq processes it starts. */
export interface DeploymentOptions {
  logLevel: string;
  /** Write each process's `--cpu-prof` profile under this directory. */
  profileDir?: string | undefined;
  /** Keep each process's stdout (its JSON log) in this directory. */
  logDir?: string | undefined;
}

/**
 * runq as it is deployed: a fresh database with runq's migrations applied by `runq migrate`,
 * one `runq api` process, and `runq worker` processes started and stopped by the scenarios,
 * all as real OS processes so that their CPU and peak RSS are their own. Requests are
 * authenticated with a real API key made by `runq keys create`.
 */
export class RunqDeployment {
  readonly projectId = randomUUID();
  api: (ManagedProcess & { url: string }) | undefined;
  worker: ManagedProcess | undefined;
  /** Memory per role over every process of the deployment. */
  readonly memory: Record<'api' | 'worker', RoleMemory> = {
    api: { peakMiB: Number.NaN, restMiB: Number.NaN },
    worker: { peakMiB: Number.NaN, restMiB: Number.NaN },
  };
  apiKey = '';
  private processCount = 0;

  private constructor(
    readonly name: string,
    readonly backend: QueueBackendKind,
    readonly target: RunqTarget,
    private readonly servers: BenchServers,
    private readonly options: DeploymentOptions,
  ) {}

  /**
   * Sends a JSON request to the API with `key` (the deployment's own by default); resolves with
   * the parsed answer (undefined when empty) and throws unless its status is one of `expected`.
   */
  async request(method: string, path: string, body: unknown, expected: readonly number[], key = this.apiKey): Promise<unknown> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Creates the database, migrates it, makes a key, and starts the API. */
  static async create(servers: BenchServers, name: string, backend: QueueBackendKind, redisDb: number, options: DeploymentOptions): Promise<RunqDeployment> {
    const databaseUrl = await servers.freshDatabase(name);
    const target: RunqTarget = {
      databaseUrl,
      redisUrl: backend === 'redis' ? `${servers.redis.url}/${redisDb}` : undefined,
      queuePrefix: 'runq',
      logLevel: options.logLevel,
    };
    const deployment = new RunqDeployment(name, backend, target, servers, options);
    await migrateRunq(target);
    deployment.apiKey = await createRunqKey(target, deployment.projectId);
    await deployment.startApi();
    return deployment;
  }

  private async processOptions(role: string): Promise<ProcessOptions> {
    this.processCount += 1;
    const label = `${this.name}-${role}-${this.processCount}`;
    const nodeArgs: string[] = [];
    if (this.options.profileDir) {
      const dir = join(this.options.profileDir, `${this.name}-${role}`);
      await mkdir(dir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    let stdoutFile: string | undefined;
    if (this.options.logDir) {
      await mkdir(this.options.logDir, { recursive: true });
      stdoutFile = join(this.options.logDir, `${label}.log`);
    }
    return { nodeArgs, stdoutFile };
  }

  async startApi(): Promise<void> {
    this.api = await startRunqApi(this.target, await this.processOptions('api'));
    this.memory.api.restMiB = maxOf(this.memory.api.restMiB, this.api.restRssMiB);
  }

  get apiUrl(): string {
    if (!this.api) throw new Error('the API is not running');
    return this.api.url;
  }

  /** Starts a worker (`--kinds task --concurrency N`) unless one runs. */
  async startWorker(concurrency: number): Promise<ManagedProcess> {
    if (!this.worker) {
      this.worker = await startRunqWorker(this.target, concurrency, await this.processOptions('worker'));
      this.memory.worker.restMiB = maxOf(this.memory.worker.restMiB, this.worker.restRssMiB);
    }
    return this.worker;
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    await this.stopProcess('worker', this.worker);
    this.worker = undefined;
  }

  async stop(): Promise<void> {
    await this.stopWorker();
    if (this.api) await this.stopProcess('api', this.api);
    this.api = undefined;
  }

  private async stopProcess(role: 'api' | 'worker', process: ManagedProcess): Promise<void> {
    const memory = this.memory[role];
    const parts = await process.memoryParts();
    const peak = await process.stop();
    if (parts && !(peak < memory.peakMiB)) memory.parts = parts;
    memory.peakMiB = maxOf(memory.peakMiB, peak);
  }

  /** Pids of the running processes, for CPU attribution. */
  pids(): { api: number[]; worker: number[] } {
    return { api: this.api ? [this.api.pid] : [], worker: this.worker ? [this.worker.pid] : [] };
  }

  /** Removes every run (and event), and with `queue`, every job of the queue backend. */
  async reset(options: { queue: boolean }): Promise<void> {
    await this.servers.withClient(this.target.databaseUrl, async (client) => {
      await client.query('truncate runs, run_events, messages, conversations, policies, rate_buckets, rate_starts cascade');
      if (options.queue && this.backend === 'postgres') await truncateBullmqSchema(client);
    });
    if (options.queue && this.target.redisUrl) await flushRedisDb(this.target.redisUrl);
  }

  /** How many runs exist and how many of them reached a terminal status (and how many of those completed). */
  async progress(): Promise<{ total: number; finished: number; completed: number }> {
    return this.servers.withClient(this.target.databaseUrl, async (client) => {
      const result = await client.query<{ total: number; finished: number; completed: number }>(
        `select count(*)::int as total,
                count(*) filter (where status in ('completed', 'failed', 'cancelled'))::int as finished,
                count(*) filter (where status = 'completed')::int as completed
           from runs`,
      );
      return result.rows[0] ?? { total: 0, finished: 0, completed: 0 };
    });
  }

  /**
   * Waits until at least `expected` runs finished. After `timeoutMs` it throws, or with
   * `partial` returns the progress so far.
   *
   * It polls while runq is measured, so the poll must cost little: one connection for the whole
   * wait, and a count of finished runs only (an index-only scan of `runs_finished_idx`) every
   * 250 ms. Counting the whole table on a new connection every 100 ms took a quarter of a core
   * of PostgreSQL from the system under test. The figures come from the runs' stored
   * timestamps, not from when the poll noticed.
   */
  async waitFinished(
    expected: number,
    timeoutMs: number,
    options: { partial?: boolean } = {},
  ): Promise<{ total: number; finished: number; completed: number }> {
    const deadline = Date.now() + timeoutMs;
    await this.servers.withClient(this.target.databaseUrl, async (client) => {
      for (;;) {
        const result = await client.query<{ finished: number }>(
          `select count(*)::int as finished from runs where status in ('completed', 'failed', 'cancelled')`,
        );
        if ((result.rows[0]?.finished ?? 0) >= expected || Date.now() > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    const progress = await this.progress();
    if (progress.finished < expected && !options.partial) {
      throw new Error(`${this.name}: only ${progress.finished} of ${expected} runs finished within ${timeoutMs} ms`);
    }
    return progress;
  }

  /** The lifecycle timestamps of every run. */
  async runTimes(): Promise<RunTimes[]> {
    return this.servers.withClient(this.target.databaseUrl, async (client) => {
      const result = await client.query<{ id: string; c: number; s: number | null; d: number | null; sent: number | null }>(
        `select id,
                extract(epoch from created_at) * 1000 as c,
                extract(epoch from started_at) * 1000 as s,
                extract(epoch from completed_at) * 1000 as d,
                (config ->> 'sent_at')::float8 as sent
           from runs`,
      );
      return result.rows.map((row) => ({
        id: row.id,
        created: Number(row.c),
        started: row.s === null ? Number.NaN : Number(row.s),
        completed: row.d === null ? Number.NaN : Number(row.d),
        sent: row.sent === null ? Number.NaN : Number(row.sent),
      }));
    });
  }
}

/** When a run's queue job was added (by the API) and taken (by a worker), epoch milliseconds. */
export interface JobTimes {
  added: number;
  taken: number;
}

/**
 * The queue timestamps of the task runs whose completed jobs the Redis backend still keeps (the
 * newest 1,000 per queue, see FINISHED_JOB_RETENTION), by run id: BullMQ's `timestamp` (set by
 * the API's `addBulk`) and `processedOn` (set when a worker moved the job to active). Empty on
 * the PostgreSQL backend, which removes jobs as they complete.
 */
export async function completedJobTimes(deployment: RunqDeployment): Promise<Map<string, JobTimes>> {
  const times = new Map<string, JobTimes>();
  const { redisUrl, queuePrefix } = deployment.target;
  if (deployment.backend !== 'redis' || redisUrl === undefined) return times;
  await withRedis(redisUrl, async (connection) => {
    const queue = new Queue(queueNameOf('task'), { connection, prefix: queuePrefix });
    try {
      for (const job of await queue.getJobs(['completed'], 0, 999)) {
        if (job.id !== undefined && job.processedOn !== undefined) times.set(job.id, { added: job.timestamp, taken: job.processedOn });
      }
    } finally {
      await queue.close();
    }
  });
  return times;
}

function maxOf(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

/** Empties every table of BullMQ's PostgreSQL backend except its migration bookkeeping. */
export async function truncateBullmqSchema(client: { query(sql: string): Promise<{ rows: unknown[] }> }): Promise<void> {
  const tables = (await client.query(`select tablename from pg_tables where schemaname = 'bullmq' and tablename not ilike '%migration%'`)) as {
    rows: { tablename: string }[];
  };
  if (tables.rows.length === 0) return;
  await client.query(`truncate ${tables.rows.map((row) => `bullmq."${row.tablename}"`).join(', ')}`);
}

/** Deletes every key of the Redis logical database `url` names. */
export async function flushRedisDb(url: string): Promise<void> {
  await withRedis(url, (client) => client.flushdb());
}
