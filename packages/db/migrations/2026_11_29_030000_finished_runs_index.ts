import { sql, type Kysely } from 'kysely';

/**
 * Index of finished runs by when they finished, for retention (`RUNQ_RETENTION_DAYS`): the
 * reconciler deletes the oldest finished runs in small batches, and each batch must find its
 * rows without scanning the table. Partial: unfinished runs (the hot part of the table) are not
 * in it, so transitions of running work do not maintain it until they finish.
 *
 * A plain CREATE INDEX blocks writes to `runs` while it builds (a few seconds per million rows);
 * on a large installation, create `runs_finished_idx` by hand with CREATE INDEX CONCURRENTLY
 * before upgrading, and this migration then finds it and does nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('runs_finished_idx')
    .ifNotExists()
    .on('runs')
    .column('completed_at')
    .where(sql.ref('status'), 'in', ['completed', 'failed', 'cancelled'])
    .execute();
}
