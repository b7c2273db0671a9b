import { sql } from 'kysely';
import type { Db } from './database.js';
import { RUN_COLUMNS, type RunRow } from './run.table.js';

/*
 * Fair share (docs/decisions/0017-fair-share.md): a project may have at most its share of ready
 * runs (pending, in the default target's queue, not started) per kind; its other new runs are
 * held with reason `fair_share` and released, oldest first, as its ready runs start.
 */

/** The default runtime target, as a condition on `runs` (the predicate of `runs_ready_idx`). */
const DEFAULT_TARGET = sql<boolean>`(runtime_target_kind is null or runtime_target_kind = 'main_branch')`;

/** How many ready runs of `kind` project `projectId` has, counted up to `limit`. */
export async function countReadyRuns(db: Db, projectId: string, kind: string, limit: number): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from (
      select 1 from runs
      where project_id = ${projectId} and kind = ${kind}
        and status = 'pending' and hold_reason is null and executor = 'worker' and ${DEFAULT_TARGET}
      limit ${limit}
    ) as ready`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The (kind, project) pairs that have runs held for fair share, at most `limit`: a loose scan of
 * `runs_fair_held_idx`, one index probe per pair, however many runs each holds.
 */
export async function listFairHeldQueues(db: Db, limit: number): Promise<{ kind: string; project_id: string }[]> {
  const { rows } = await sql<{ kind: string; project_id: string }>`
    with recursive pairs as (
      (select kind, project_id from runs
       where status = 'pending' and hold_reason = 'fair_share'
       order by kind, project_id limit 1)
      union all
      select next.kind, next.project_id from pairs as p
      cross join lateral (
        select kind, project_id from runs
        where status = 'pending' and hold_reason = 'fair_share' and (kind, project_id) > (p.kind, p.project_id)
        order by kind, project_id limit 1
      ) as next
    )
    select kind, project_id from pairs limit ${limit}`.execute(db);
  return rows;
}

/**
 * Takes the fair-share lock of (`kind`, `projectId`) for the rest of transaction `trx`, waiting
 * for it: a top-up counts and releases under it, so that two never both fill the same share.
 */
export async function lockFairShare(trx: Db, kind: string, projectId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`fair-share:${kind}/${projectId}`}, 0))`.execute(trx);
}

/** Releases the `count` oldest runs of `kind` held for fair share in `projectId`; returns them as they now stand. */
export async function releaseFairHeld(trx: Db, kind: string, projectId: string, count: number): Promise<RunRow[]> {
  if (count <= 0) return [];
  const released = await trx
    .updateTable('runs')
    .set({ hold_reason: null })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('runs')
        .select('id')
        .where('kind', '=', kind as RunRow['kind'])
        .where('project_id', '=', projectId)
        .where('status', '=', 'pending')
        .where('hold_reason', '=', 'fair_share')
        .orderBy('id')
        .limit(count),
    )
    .where('status', '=', 'pending')
    .where('hold_reason', '=', 'fair_share')
    .returning(RUN_COLUMNS)
    .execute();
  return released as RunRow[];
}

/** Whether `projectId` has runs of `kind` held for fair share. */
export async function hasFairHeldRuns(db: Db, projectId: string, kind: string): Promise<boolean> {
  const row = await db
    .selectFrom('runs')
    .select('id')
    .where('kind', '=', kind as RunRow['kind'])
    .where('project_id', '=', projectId)
    .where('status', '=', 'pending')
    .where('hold_reason', '=', 'fair_share')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
