import { sql, type Kysely } from 'kysely';

/**
 * Index of the backlog (pending runs that workers execute) by kind and hold reason, for the
 * operator overview: counting it per kind is then an index-only scan of the pending runs alone,
 * not a visit to the heap page of every unfinished run (docs/decisions/0018-operator-overview.md).
 * Partial: a run leaves it when it is claimed, so only pending runs maintain it.
 *
 * A plain CREATE INDEX blocks writes to `runs` while it builds (it reads only the table's pending
 * rows, but scans the whole table); on a large installation, create `runs_backlog_idx` by hand
 * with CREATE INDEX CONCURRENTLY before upgrading, and this migration then finds it and does nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('runs_backlog_idx')
    .ifNotExists()
    .on('runs')
    .columns(['kind', 'hold_reason'])
    .where(sql.ref('status'), '=', 'pending')
    .where(sql.ref('executor'), '=', 'worker')
    .execute();
}
