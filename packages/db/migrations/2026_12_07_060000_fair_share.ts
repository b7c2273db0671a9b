import { sql, type Kysely } from 'kysely';

/**
 * Fairness between projects (docs/decisions/0017-fair-share.md):
 * - `worker_targets.concurrency`: the runs a worker executes at once from that queue, so that a
 *   project's share of a queue is sized to the live workers' slots;
 * - `runs_ready_idx`: a project's ready runs of a kind (pending, in the default target's queue,
 *   not started), counted to place its next run.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('worker_targets')
    .addColumn('concurrency', 'integer', (col) =>
      col
        .notNull()
        .defaultTo(1)
        .check(sql`concurrency >= 1`),
    )
    .execute();
  await sql`create index runs_ready_idx on runs (project_id, kind)
    where status = 'pending' and hold_reason is null and executor = 'worker'
      and (runtime_target_kind is null or runtime_target_kind = 'main_branch')`.execute(db);
}
