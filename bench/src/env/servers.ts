import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres, startLocalRedis, withAdminClient, type LocalPostgres, type LocalRedis } from '@runq/local';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { identifyServers } from './proc-stats.js';

/**
 * The throwaway servers of one bench run: a PostgreSQL cluster with default durability
 * (fsync on, synchronous_commit on, full_page_writes on) and a Redis with an append-only
 * file fsynced every second, both in a temporary directory removed at the end.
 *
 * Durability is deliberate: @runq/local's ephemeral mode turns fsync off, which would make
 * every Postgres-backed system look several times faster than it is in production.
 */
export interface BenchServers {
  readonly pg: LocalPostgres;
  readonly redis: LocalRedis;
  /** Settings that differ from the server defaults, as reported in the results. */
  readonly postgresSettings: Record<string, string>;
  /** Creates (or recreates) an empty database and returns its URL. */
  freshDatabase(name: string): Promise<string>;
  /** Runs `work` with a short-lived client on database `url`. */
  withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T>;
  /** Deletes every key of the Redis server. */
  flushRedis(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Server settings the bench changes, and why:
 * - pg_stat_statements is preloaded so each scenario can report where Postgres spent its time
 *   (its overhead is about 1–2 % and applies to every system measured alike);
 * - 300 connections: runq's API, workers and the PostgreSQL queue backend, the peers' pools
 *   and the load generators may be up at once (the default 100 is enough for each scenario
 *   but not with slack for the reads API and the orchestrator's clients).
 * Everything else is PostgreSQL's default, durability included.
 */
const POSTGRES_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'pg_stat_statements',
  max_connections: '300',
  'pg_stat_statements.max': '10000',
};

/**
 * Runs `work` with a short-lived Redis client on `url`. A failed command rejects as usual; the
 * client's own error events are not printed (ioredis prints each failed reconnection of a
 * client nobody listens to, e.g. while an interrupted bench is stopping its servers).
 */
export async function withRedis<T>(url: string, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Starts PostgreSQL and Redis in a new temporary directory. */
export async function startBenchServers(log: (line: string) => void): Promise<BenchServers> {
  const dir = await mkdtemp(join(tmpdir(), 'runq-bench-'));
  const dataDir = join(dir, 'postgres');
  let pgServer: LocalPostgres | undefined;
  let redis: LocalRedis | undefined;
  try {
    // A persistent cluster keeps PostgreSQL's default durability; it is started twice because
    // shared_preload_libraries only takes effect at server start.
    pgServer = await startLocalPostgres({ dataDir, persistent: true });
    await withAdminClient(pgServer.url, async (client) => {
      for (const [name, value] of Object.entries(POSTGRES_SETTINGS)) {
        await client.query(`alter system set ${name} = '${value}'`);
      }
    });
    await pgServer.stop();
    pgServer = await startLocalPostgres({ dataDir, persistent: true });
    await withAdminClient(pgServer.url, (client) => client.query('create extension if not exists pg_stat_statements'));
    log(`postgres on port ${pgServer.port} (durable, data in ${dataDir})`);
    redis = await startLocalRedis({ dir: join(dir, 'redis'), appendOnly: true });
    log(`redis on port ${redis.port} (appendonly yes, appendfsync everysec)`);
  } catch (error) {
    await pgServer?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const server = pgServer;
  const redisServer = redis;
  const postmasterPid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  identifyServers({ postmasterPid: Number.isInteger(postmasterPid) && postmasterPid > 0 ? postmasterPid : undefined, redisPort: redisServer.port });
  return {
    pg: server,
    redis: redisServer,
    postgresSettings: POSTGRES_SETTINGS,
    async freshDatabase(name) {
      await server.dropDatabase(name);
      const url = await server.createDatabase(name);
      await withAdminClient(url, (client) => client.query('create extension if not exists pg_stat_statements'));
      return url;
    },
    withClient: withAdminClient,
    async flushRedis() {
      await withRedis(redisServer.url, (client) => client.flushall());
    },
    async stop() {
      await Promise.allSettled([server.stop(), redisServer.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
