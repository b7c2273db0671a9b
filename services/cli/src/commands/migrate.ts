import { POSTGRES_PROTOCOLS, optionalRedisUrl, requireUrl, type Env } from '@runq/config';
import { migrateToLatest, openDatabase } from '@runq/db';
import { migrateQueueBackend } from '@runq/queue';

/** What {@link migrateAll} applied. */
export interface MigrationReport {
  applied: string[];
  queueBackend: 'postgres' | 'redis';
}

/**
 * Applies the run store's migrations and prepares the queue backend (the PostgreSQL
 * backend's schema when `redisUrl` is unset). Throws with the failing migration's name.
 */
export async function migrateAll(databaseUrl: string, redisUrl: string | undefined): Promise<MigrationReport> {
  const db = openDatabase(databaseUrl, { maxConnections: 1, applicationName: 'runq-migrate' });
  try {
    const { error, results } = await migrateToLatest(db);
    if (error) {
      const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    await migrateQueueBackend({ databaseUrl, redisUrl, prefix: 'runq' });
    return {
      applied: (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName),
      queueBackend: redisUrl ? 'redis' : 'postgres',
    };
  } finally {
    await db.destroy();
  }
}

/** `runq migrate`: applies migrations and exits. */
export async function migrateCommand(env: Env, print: (line: string) => void): Promise<number> {
  const databaseUrl = requireUrl(env, 'DATABASE_URL', POSTGRES_PROTOCOLS);
  const redisUrl = optionalRedisUrl(env, 'REDIS_URL');
  const report = await migrateAll(databaseUrl, redisUrl);
  print(report.applied.length > 0 ? `applied ${report.applied.join(', ')}` : 'schema is up to date');
  if (report.queueBackend === 'postgres') print('queue backend schema (PostgreSQL) is up to date');
  return 0;
}
