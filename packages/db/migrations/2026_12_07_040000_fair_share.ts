import { sql, type Kysely } from 'kysely';

/**
 * Fairness between projects (docs/decisions/0017-fair-share.md):
 * - a pending run may be held with reason `fair_share` (its project has a full share of ready
 *   runs in its queue);
 * - `worker_targets.concurrency`: the runs a worker executes at once from that queue, so that a
 *   queue's share is sized to the live workers' slots;
 * - `runs_ready_idx`: a project's ready runs of a kind (pending, given to the default target's
 *   queue, not started), counted up to the share;
 * - `runs_fair_held_idx`: the runs held for fair share, per kind and project, oldest first (run
 *   ids sort by creation time).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table runs drop constraint runs_hold_reason_check`.execute(db);
  await sql`alter table runs add constraint runs_hold_reason_check check (hold_reason in ('concurrency', 'rate', 'schedule', 'no_worker', 'fair_share'))`.execute(db);
  await db.schema
    .alterTable('worker_targets')
    .addColumn('concurrency', 'integer', (col) => col.notNull().defaultTo(1).check(sql`concurrency >= 1`))
    .execute();
  await sql`create index runs_ready_idx on runs (project_id, kind)
    where status = 'pending' and hold_reason is null and executor = 'worker'
      and (runtime_target_kind is null or runtime_target_kind = 'main_branch')`.execute(db);
  await sql`create index runs_fair_held_idx on runs (kind, project_id, id)
    where status = 'pending' and hold_reason = 'fair_share'`.execute(db);
}
