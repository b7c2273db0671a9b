import { sql, type Kysely } from 'kysely';

/**
 * Batches, replays and bulk actions (docs/decisions/0019-batches-and-bulk-actions.md):
 * - `batches`: one row per accepted `POST /batches`; its runs carry its id in `runs.batch_id`
 *   (already indexed by `runs_batch_idx`);
 * - on `runs`: an index on `metadata->>'replay_of'`, so a run's replays are found by key;
 * - `bulk_actions`: a cancel or replay over a filtered window of runs, worked through in chunks
 *   along a keyset cursor on (created_at, id) that is saved after each chunk.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_id', 'uuid', (col) => col.notNull())
    .addColumn('total', 'integer', (col) => col.notNull().check(sql`total >= 0`))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index batches_project_idx on batches (project_id, created_at desc, id desc)`.execute(db);

  await sql`create index runs_replay_of_idx on runs ((metadata->>'replay_of')) where metadata->>'replay_of' is not null`.execute(db);

  await db.schema
    .createTable('bulk_actions')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_id', 'uuid', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull().check(sql`action in ('cancel', 'replay')`))
    .addColumn('filter', 'jsonb', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('queued', 'running', 'completed', 'aborted', 'failed')`))
    .addColumn('matched', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('processed', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('succeeded', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('cursor_created_at', 'timestamptz')
    .addColumn('cursor_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // The executor's scan: actions still to work through, oldest first.
  await sql`create index bulk_actions_open_idx on bulk_actions (created_at) where status in ('queued', 'running')`.execute(db);
  await sql`create index bulk_actions_project_idx on bulk_actions (project_id, created_at desc, id desc)`.execute(db);
}
