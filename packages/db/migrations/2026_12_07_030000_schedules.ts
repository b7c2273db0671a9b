import { sql, type Kysely } from 'kysely';

/**
 * Schedules (docs/decisions/0013-schedules.md):
 * - `schedules`: a project's schedules, each with the run body it creates and its firing state
 *   (`next_slot` is the next occurrence's nominal time, `next_fire_at` that time plus its jitter;
 *   null when nothing is left to fire);
 * - `schedule_occurrences`: one row per occurrence, unique per (schedule, scheduled_for), with
 *   what became of it and its run;
 * - on `runs`: `expires_at`, when a pending run of a schedule with a `run_ttl` is cancelled.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_id', 'uuid', (col) => col.notNull())
    .addColumn('key', 'text')
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('agent', 'workflow', 'task', 'eval')`))
    .addColumn('spec', 'jsonb', (col) => col.notNull())
    .addColumn('start_at', 'timestamptz')
    .addColumn('end_at', 'timestamptz')
    .addColumn('max_runs', 'integer', (col) => col.check(sql`max_runs >= 1`))
    .addColumn('jitter_ms', 'bigint', (col) =>
      col
        .notNull()
        .defaultTo(0)
        .check(sql`jitter_ms >= 0`),
    )
    .addColumn('overlap', 'text', (col) => col.notNull().check(sql`overlap in ('skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow')`))
    .addColumn('missed', 'text', (col) => col.notNull().check(sql`missed in ('skip', 'once', 'all')`))
    .addColumn('catchup_window_ms', 'bigint', (col) => col.notNull().check(sql`catchup_window_ms >= 0`))
    .addColumn('run_ttl_ms', 'bigint', (col) => col.check(sql`run_ttl_ms > 0`))
    .addColumn('paused', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('run', 'jsonb', (col) => col.notNull())
    .addColumn('next_slot', 'timestamptz')
    .addColumn('next_fire_at', 'timestamptz')
    .addColumn('late_before', 'timestamptz')
    .addColumn('last_fired_at', 'timestamptz')
    .addColumn('runs_created', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('skipped', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('missed_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index schedules_project_key_idx on schedules (project_id, key) where key is not null`.execute(db);
  // The firer's scan: active schedules by when they are next due.
  await sql`create index schedules_due_idx on schedules (next_fire_at) where not paused and next_fire_at is not null`.execute(db);
  await sql`create index schedules_project_idx on schedules (project_id, created_at desc, id desc)`.execute(db);

  await db.schema
    .createTable('schedule_occurrences')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('schedule_id', 'uuid', (col) => col.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('scheduled_for', 'timestamptz', (col) => col.notNull())
    .addColumn('fired_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('outcome', 'text', (col) => col.notNull().check(sql`outcome in ('created', 'skipped_overlap', 'missed', 'expired')`))
    .addColumn('buffered', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('run_id', 'text')
    .addColumn('error', 'text')
    .addUniqueConstraint('schedule_occurrences_slot_key', ['schedule_id', 'scheduled_for'])
    .execute();
  // Occurrences whose run is still to be created (the firer creates it after its transaction
  // commits): few at any time, read per schedule (overlap) and all together (recovery).
  await sql`create index schedule_occurrences_unresolved_idx on schedule_occurrences (schedule_id, fired_at) where outcome = 'created' and run_id is null and error is null`.execute(
    db,
  );
  await sql`create index schedule_occurrences_run_idx on schedule_occurrences (run_id) where run_id is not null`.execute(db);

  await db.schema.alterTable('runs').addColumn('expires_at', 'timestamptz').execute();
  await sql`create index runs_expiring_idx on runs (expires_at) where status = 'pending' and expires_at is not null`.execute(db);
  // A schedule's runs, newest first (GET /runs?schedule_id=).
  await sql`create index runs_schedule_idx on runs (schedule_id, id desc) where schedule_id is not null`.execute(db);
  // A schedule's unfinished runs (its overlap policy reads them at every occurrence).
  await sql`create index runs_schedule_unfinished_idx on runs (schedule_id) where schedule_id is not null and status in ('pending', 'running', 'waiting')`.execute(
    db,
  );
}
