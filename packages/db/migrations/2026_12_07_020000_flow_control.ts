import { sql, type Kysely } from 'kysely';

/**
 * Flow control (docs/decisions/0009-flow-control.md):
 * - `policies`: a project's policies, by name;
 * - on `runs`: why a pending run is held (`hold_reason`, and `hold_until` for a rate), the
 *   concurrency and rate buckets it was given at creation, and its admission order (`order_at`);
 * - `run_slots`: a row per slot a run holds in a concurrency bucket (the bucket's use is a count);
 * - `run_holds`: the held runs waiting on each full bucket, in admission order;
 * - `rate_starts`: per rate bucket, the times of its latest starts in a ring of `max` slots
 *   (`rate_buckets.next_slot` says which slot the next start replaces).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('policies')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_id', 'uuid', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('match_kind', 'text', (col) => col.check(sql`match_kind in ('agent', 'workflow', 'task', 'eval')`))
    .addColumn('match_target', 'text')
    .addColumn('concurrency_key', 'text')
    .addColumn('concurrency_limit', 'integer', (col) => col.check(sql`concurrency_limit >= 1`))
    .addColumn('concurrency_strategy', 'text', (col) => col.check(sql`concurrency_strategy in ('queue', 'cancel_in_progress', 'cancel_newest')`))
    .addColumn('rate_key', 'text')
    .addColumn('rate_max', 'integer', (col) => col.check(sql`rate_max >= 1`))
    .addColumn('rate_per_ms', 'bigint', (col) => col.check(sql`rate_per_ms >= 1000`))
    .addColumn('priority', 'integer', (col) =>
      col
        .notNull()
        .defaultTo(0)
        .check(sql`priority between -86400 and 86400`),
    )
    .addColumn('ttl_ms', 'bigint', (col) => col.check(sql`ttl_ms > 0`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('policies_project_name_key', ['project_id', 'name'])
    .execute();

  await db.schema
    .alterTable('runs')
    .addColumn('hold_reason', 'text', (col) => col.check(sql`hold_reason in ('concurrency', 'rate', 'schedule', 'no_worker')`))
    .addColumn('hold_until', 'timestamptz')
    .addColumn('slot_buckets', sql`text[]`)
    .addColumn('rate_buckets', sql`text[]`)
    .addColumn('order_at', 'timestamptz')
    .execute();
  // Runs held for a rate, by when they may try again (the admission timer reads it).
  await sql`create index runs_rate_held_idx on runs (hold_until) where status = 'pending' and hold_reason = 'rate'`.execute(db);
  // Held runs by project and reason (metrics, the run explorer).
  await sql`create index runs_held_idx on runs (project_id, hold_reason) where status = 'pending' and hold_reason is not null`.execute(db);

  await db.schema
    .createTable('run_slots')
    .addColumn('bucket', 'text', (col) => col.notNull())
    .addColumn('run_id', 'text', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('run_slots_pkey', ['bucket', 'run_id'])
    .execute();
  await db.schema.createIndex('run_slots_run_idx').on('run_slots').column('run_id').execute();

  await db.schema
    .createTable('run_holds')
    .addColumn('bucket', 'text', (col) => col.notNull())
    .addColumn('order_at', 'timestamptz', (col) => col.notNull())
    .addColumn('run_id', 'text', (col) => col.notNull().references('runs.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('run_holds_pkey', ['bucket', 'order_at', 'run_id'])
    .execute();
  await db.schema.createIndex('run_holds_run_idx').on('run_holds').column('run_id').execute();

  await db.schema
    .createTable('rate_buckets')
    .addColumn('bucket', 'text', (col) => col.primaryKey())
    .addColumn('next_slot', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('rate_starts')
    .addColumn('bucket', 'text', (col) => col.notNull())
    .addColumn('slot', 'integer', (col) => col.notNull())
    .addColumn('started_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('rate_starts_pkey', ['bucket', 'slot'])
    .execute();
}
