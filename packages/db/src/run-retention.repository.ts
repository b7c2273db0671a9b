import { sql } from 'kysely';
import { TERMINAL_STATUSES } from '@runq/runs';
import type { Db } from './database.js';

/** What {@link deleteFinishedRuns} removes in one call. */
export interface DeleteFinishedRunsOptions {
  /** Runs that finished before this instant are deleted. */
  finishedBefore: Date;
  /** At most this many runs (with their events) in this call's transaction. */
  limit: number;
  /** How long the batch may wait for a lock before giving up (it is retried on the next pass). Default 1 s. */
  lockTimeoutMs?: number;
}

/**
 * Deletes one batch of runs that finished (`completed`, `failed`, `cancelled`) before
 * `finishedBefore`, oldest first, with their event log (`run_events` cascades), and returns how
 * many runs it deleted. Call it again until it returns less than `limit`.
 *
 * Built to run beside live traffic:
 * - one short transaction per batch, found through the partial index `runs_finished_idx`;
 * - rows another transaction holds are skipped (`FOR UPDATE SKIP LOCKED`), never waited for, and
 *   any other lock is waited for at most `lockTimeoutMs`;
 * - a run with children left is kept: a tree goes leaves first, batch after batch, and a parent
 *   stays while any descendant is unfinished or younger than the cut-off (`parent_run_id` is a
 *   foreign key);
 * - a conversation message that started a deleted run keeps its content and loses the link
 *   (`messages.run_id` becomes null).
 */
export async function deleteFinishedRuns(db: Db, options: DeleteFinishedRunsOptions): Promise<number> {
  const lockTimeoutMs = Math.max(1, Math.round(options.lockTimeoutMs ?? 1_000));
  return db.transaction().execute(async (trx) => {
    // SET LOCAL has no builder form; the value is an integer we computed.
    await sql`set local lock_timeout = ${sql.lit(`${lockTimeoutMs}ms`)}`.execute(trx);
    const doomed = await trx
      .selectFrom('runs as r')
      .select('r.id')
      .where('r.status', 'in', [...TERMINAL_STATUSES])
      .where('r.completed_at', '<', options.finishedBefore)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('runs as child').select('child.id').whereRef('child.parent_run_id', '=', 'r.id'))))
      .orderBy('r.completed_at')
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (doomed.length === 0) return 0;
    const ids = doomed.map((row) => row.id);
    await trx.updateTable('messages').set({ run_id: null }).where('run_id', 'in', ids).execute();
    const deleted = await trx.deleteFrom('runs').where('id', 'in', ids).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  });
}
