import { sql } from 'kysely';
import type { Db } from './database.js';

/*
 * Fair share (docs/decisions/0017-fair-share.md): where a project's next run of a kind goes in
 * its queue depends on how many of its runs are ready there (pending, in the default target's
 * queue, not started).
 */

/** How many ready runs of `kind` project `projectId` has, counted up to `limit` (an index-only range of `runs_ready_idx`). */
export async function countReadyRuns(db: Db, projectId: string, kind: string, limit: number): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from (
      select 1 from runs
      where project_id = ${projectId} and kind = ${kind}
        and status = 'pending' and hold_reason is null and executor = 'worker'
        and (runtime_target_kind is null or runtime_target_kind = 'main_branch')
      limit ${limit}
    ) as ready`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
