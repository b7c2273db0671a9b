import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, migrateToLatest } from '@runq/db';
import { ensureRedisServer, startLocalPostgres, startLocalRedis, startLocalRedisCluster } from '@runq/local';
import { migrateQueueBackend } from '@runq/queue';
import { HARNESS_ENV, TEMPLATE_DATABASE, type HarnessHandles } from './harness-env';

/**
 * Starts one throwaway PostgreSQL, one Redis and one three-master Redis Cluster (for the
 * `redis-cluster` backend and the scale-out suite) for the whole run, on free loopback ports,
 * and migrates a template database once (run store and the queue backend's schema). Each test
 * file then clones its own database from the template (see `harness.ts`).
 */
export default async function globalSetup(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'runq-test-'));
  await ensureRedisServer();
  const [postgres, redis, redisCluster] = await Promise.all([
    startLocalPostgres({ dataDir: join(dir, 'postgres'), persistent: false }),
    startLocalRedis({ dir: join(dir, 'redis') }),
    startLocalRedisCluster({ dir: join(dir, 'redis-cluster') }),
  ]);
  const templateUrl = await postgres.createDatabase(TEMPLATE_DATABASE);
  const db = openDatabase(templateUrl, { maxConnections: 1 });
  const result = await migrateToLatest(db);
  await db.destroy();
  if (result.error) throw new Error(`migrating the template database failed: ${String(result.error)}`);
  await migrateQueueBackend({ databaseUrl: templateUrl, prefix: 'template' });

  process.env[HARNESS_ENV.postgresUrl] = postgres.url;
  process.env[HARNESS_ENV.redisUrl] = redis.url;
  process.env[HARNESS_ENV.redisClusterUrl] = redisCluster.url;
  process.env[HARNESS_ENV.workDir] = dir;
  const handles: HarnessHandles = { postgres, redis, redisCluster, dir };
  (globalThis as { __runqHarness?: HarnessHandles }).__runqHarness = handles;
}
