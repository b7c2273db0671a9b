import { runMigrations as migrateBullmq } from 'bullmq';
import { runMigrations as migrateGraphile } from 'graphile-worker';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { BenchServers } from '../env/servers.js';
import { PEER_TASK, pgBossOptions } from '../load/producers.js';
import type { ProducerSpec } from '../load/protocol.js';
import type { PeerWorkerSpec } from '../peers/protocol.js';
import { REDIS_DB, flushRedisDb, truncateBullmqSchema } from './runq-deployment.js';

/** The systems runq is compared with. */
export type PeerName = 'bullmq' | 'graphile' | 'pgboss';

/** How the peers' workers are configured (see peers/protocol.ts for why). */
export interface PeerSettings {
  bullmqConcurrency: number;
  graphileConcurrency: number;
  pgboss: { workers: number; batchSize: number; pollingIntervalSeconds: number };
}

/** One peer as the scenarios drive it: what produces, what consumes, how to empty it. */
export interface Peer {
  name: PeerName;
  label: string;
  producer: ProducerSpec;
  worker: PeerWorkerSpec;
  reset(): Promise<void>;
}

/** Raw BullMQ on the given backend, in its own Redis database or its own PostgreSQL database. */
export async function setUpBullmq(servers: BenchServers, backend: 'redis' | 'postgres', settings: PeerSettings): Promise<Peer> {
  const queueName = PEER_TASK;
  if (backend === 'redis') {
    const redisUrl = `${servers.redis.url}/${REDIS_DB.bullmq}`;
    return {
      name: 'bullmq',
      label: 'raw BullMQ (Redis)',
      producer: { kind: 'bullmq', backend, redisUrl, databaseUrl: undefined, queueName, prefix: 'bull' },
      worker: { kind: 'bullmq', backend, redisUrl, databaseUrl: undefined, queueName, prefix: 'bull', concurrency: settings.bullmqConcurrency },
      reset: () => flushRedisDb(redisUrl),
    };
  }
  const databaseUrl = await servers.freshDatabase('peer_bullmq');
  await servers.withClient(databaseUrl, (client) => migrateBullmq(client, 'bullmq'));
  return {
    name: 'bullmq',
    label: 'raw BullMQ (PostgreSQL)',
    producer: { kind: 'bullmq', backend, redisUrl: undefined, databaseUrl, queueName, prefix: 'bull' },
    worker: { kind: 'bullmq', backend, redisUrl: undefined, databaseUrl, queueName, prefix: 'bull', concurrency: settings.bullmqConcurrency },
    reset: () => servers.withClient(databaseUrl, (client) => truncateBullmqSchema(client)),
  };
}

/** graphile-worker in its own database, schema installed by its migrator. */
export async function setUpGraphile(servers: BenchServers, settings: PeerSettings): Promise<Peer> {
  const databaseUrl = await servers.freshDatabase('peer_graphile');
  await migrateGraphile({ connectionString: databaseUrl });
  return {
    name: 'graphile',
    label: 'graphile-worker',
    producer: { kind: 'graphile', databaseUrl },
    worker: { kind: 'graphile', databaseUrl, concurrency: settings.graphileConcurrency },
    reset: () =>
      servers.withClient(databaseUrl, async (client: pg.Client) => {
        await client.query('truncate graphile_worker._private_jobs, graphile_worker._private_job_queues cascade');
      }),
  };
}

/** pg-boss in its own database, schema installed by its first start, with one queue. */
export async function setUpPgBoss(servers: BenchServers, settings: PeerSettings): Promise<Peer> {
  const databaseUrl = await servers.freshDatabase('peer_pgboss');
  const boss = new PgBoss(pgBossOptions(databaseUrl, true));
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue(PEER_TASK);
  await boss.stop({ graceful: false, wait: true });
  return {
    name: 'pgboss',
    label: 'pg-boss',
    producer: { kind: 'pgboss', databaseUrl, queueName: PEER_TASK },
    worker: { kind: 'pgboss', databaseUrl, queueName: PEER_TASK, ...settings.pgboss },
    reset: () =>
      servers.withClient(databaseUrl, async (client: pg.Client) => {
        await client.query('truncate pgboss.job, pgboss.archive');
      }),
  };
}
