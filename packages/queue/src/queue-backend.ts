import { createPostgresBackend, runMigrations, type BackendFactory, type KeyPrefixOptions, type QueueBaseOptions } from 'bullmq';
import { parseRedisUrl, type RedisTarget } from '@runq/config';
import pg from 'pg';
import { openRedis, queueKeyPrefix, whenRedisReady, type RedisClient } from './redis-connection.js';

/** Where the queues live. */
export type QueueBackendKind = 'redis' | 'postgres';

/** How to reach the queue backend. */
export interface QueueBackendConfig {
  /** The run store; also the queue store when `redisUrl` is not set. */
  databaseUrl: string;
  /**
   * When set, queues live in this Redis: `redis://` or `rediss://` for one server (ioredis URL
   * syntax), `redis+cluster://host:port,host:port,…` or `rediss+cluster://…` for a Redis Cluster.
   */
  redisUrl?: string | undefined;
  /**
   * Redis key prefix. On a Redis Cluster every key of a queue must hash to one slot: a prefix
   * without a hash tag gets one per queue there, a prefix with one keeps it (see `queueKeyPrefix`).
   * Ignored by the Postgres backend, whose namespace is its schema.
   */
  prefix: string;
}

/**
 * Constructor arguments of a BullMQ class: options and, for non-Redis backends, the backend
 * factory. BullMQ types both by the backend's connection type; a runq process decides the
 * backend at run time, so the arguments are typed for any backend here, in this one place.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type BullArgs = [QueueBaseOptions<any> & KeyPrefixOptions, BackendFactory<any, any> | undefined];

/** How long `ping()` waits for a connection that is still being established (readiness probes time out at 2 s). */
const PING_CONNECT_TIMEOUT_MS = 2_000;

/** The schema the PostgreSQL backend keeps its tables in. */
export const POSTGRES_QUEUE_SCHEMA = 'bullmq';

/**
 * The one place that knows which backend is in use. It owns the shared connection(s) and
 * hands BullMQ classes their constructor arguments; nothing else in runq looks at
 * `redisUrl` or imports a backend factory.
 */
export interface QueueBackend {
  readonly kind: QueueBackendKind;
  /** The Redis key prefix of the queue named `queueName` (hash-tagged on a cluster); empty for PostgreSQL. */
  keyPrefixOf(queueName: string): string;
  /** Options and backend factory for the BullMQ `Queue` named `queueName` (producer side; shares one connection). */
  queueArgs(queueName: string): BullArgs;
  /** Options and backend factory for a BullMQ `Worker` of the queue named `queueName` (gets its own blocking connection). */
  workerArgs(queueName: string): BullArgs;
  /** Resolves when the backend answers; rejects otherwise. */
  ping(): Promise<void>;
  /** Closes the shared connections (after the queues and workers using them are closed). */
  close(): Promise<void>;
}

class RedisBackend implements QueueBackend {
  readonly kind = 'redis';
  // Producers fail fast while Redis is unreachable (no offline queue), so an API request
  // never hangs on a lost connection; the run is already durable in Postgres.
  private readonly producer: RedisClient;
  private readonly workerConnections: RedisClient[] = [];
  private readonly target: RedisTarget;
  private readonly prefix: string;

  constructor(config: QueueBackendConfig & { redisUrl: string }) {
    this.target = parseRedisUrl(config.redisUrl);
    this.prefix = config.prefix;
    this.producer = openRedis(this.target, 'producer');
    this.producer.on('error', () => undefined);
  }

  keyPrefixOf(queueName: string): string {
    return queueKeyPrefix(this.prefix, this.target, queueName);
  }

  queueArgs(queueName: string): BullArgs {
    return [{ connection: this.producer, prefix: this.keyPrefixOf(queueName) }, undefined];
  }

  workerArgs(queueName: string): BullArgs {
    // Workers block on Redis and must retry forever across outages (BullMQ requires
    // maxRetriesPerRequest: null for their connection).
    const connection = openRedis(this.target, 'worker');
    this.workerConnections.push(connection);
    return [{ connection, prefix: this.keyPrefixOf(queueName) }, undefined];
  }

  async ping(): Promise<void> {
    await whenRedisReady(this.producer, PING_CONNECT_TIMEOUT_MS);
    await this.producer.ping();
  }

  async close(): Promise<void> {
    for (const connection of [this.producer, ...this.workerConnections]) connection.disconnect();
  }
}

class PostgresBackend implements QueueBackend {
  readonly kind = 'postgres';
  // One pool for every queue of the process, pinned to the backend's schema (BullMQ does not
  // set the search_path on a pool it did not create).
  private readonly pool: pg.Pool;

  constructor(config: QueueBackendConfig) {
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      options: `-c search_path=${POSTGRES_QUEUE_SCHEMA}`,
      max: 10,
      application_name: 'runq-queue',
    });
    this.pool.on('error', () => undefined);
    // A checked-out client whose server goes away emits 'error' on itself; unheard, that kills
    // the process (see openDatabase in @runq/db). The pool drops it when it is released.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  keyPrefixOf(): string {
    return '';
  }

  queueArgs(): BullArgs {
    return [{ connection: this.pool }, createPostgresBackend];
  }

  workerArgs(): BullArgs {
    return [{ connection: this.pool }, createPostgresBackend];
  }

  async ping(): Promise<void> {
    await this.pool.query('select 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Opens the queue backend the configuration names: Redis when `redisUrl` is set, else PostgreSQL. */
export function openQueueBackend(config: QueueBackendConfig): QueueBackend {
  return config.redisUrl ? new RedisBackend({ ...config, redisUrl: config.redisUrl }) : new PostgresBackend(config);
}

/**
 * Prepares the backend's storage: creates or upgrades the PostgreSQL backend's schema (a
 * no-op for Redis). Safe to run concurrently; BullMQ serialises it with an advisory lock.
 */
export async function migrateQueueBackend(config: QueueBackendConfig): Promise<void> {
  if (config.redisUrl) return;
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await runMigrations(client, POSTGRES_QUEUE_SCHEMA);
  } finally {
    await client.end();
  }
}
