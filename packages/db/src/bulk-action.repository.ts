import { sql } from 'kysely';
import type { BulkActionRow, BulkActionRowUpdate, NewBulkActionRow } from './bulk-action.table.js';
import type { Db } from './database.js';
import { whereRunsMatch, type RunListFilter } from './run.repository.js';
import type { RunRow } from './run.table.js';
import { inProjects } from './scope.js';

/** The runs a bulk action works on: a run listing's filters, without its page. */
export type BulkRunFilter = Omit<RunListFilter, 'limit' | 'beforeId'>;

/** Inserts a bulk action; undefined when one with its id exists already (nothing is written). */
export async function insertBulkAction(db: Db, row: NewBulkActionRow): Promise<BulkActionRow | undefined> {
  return db
    .insertInto('bulk_actions')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The bulk action `id` if it belongs to one of `projectIds` (`'all'` for the executor and the operator's explorer). */
export async function findBulkAction(db: Db, id: string, projectIds: readonly string[] | 'all'): Promise<BulkActionRow | undefined> {
  if (projectIds !== 'all' && projectIds.length === 0) return undefined;
  let query = db.selectFrom('bulk_actions').selectAll().where('id', '=', id);
  if (projectIds !== 'all') query = query.where('project_id', '=', inProjects(projectIds));
  return query.executeTakeFirst();
}

/**
 * Locks the oldest open bulk action no other process holds (`FOR UPDATE SKIP LOCKED`) until
 * `trx` ends: a process works one chunk of it per transaction, and a process that dies
 * releases it with its connection. Undefined when every open action is taken or none is open.
 */
export async function claimBulkAction(trx: Db): Promise<BulkActionRow | undefined> {
  return trx
    .selectFrom('bulk_actions')
    .selectAll()
    .where('status', 'in', ['queued', 'running'])
    .orderBy('created_at')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** Updates bulk action `id`; the updated row. */
export async function updateBulkAction(db: Db, id: string, update: BulkActionRowUpdate): Promise<BulkActionRow> {
  return db
    .updateTable('bulk_actions')
    .set({ ...update, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Counts a failed pass on open bulk action `id`'s next chunk, saving `failure.error` as its
 * error, and once `failure.limit` passes in a row have failed marks the action `failed` with
 * `failure.reason`. Counted only while the action's cursor is still `cursorId` (the chunk that
 * failed): a pass of another process that moved it on meanwhile has reset the count. The action
 * as it then stands; undefined when nothing was counted.
 */
export async function recordBulkActionChunkFailure(
  db: Db,
  id: string,
  cursorId: string | null,
  failure: { error: string; reason: string; limit: number },
): Promise<BulkActionRow | undefined> {
  const final = sql<boolean>`chunk_failures + 1 >= ${failure.limit}`;
  return db
    .updateTable('bulk_actions')
    .set({
      chunk_failures: sql`chunk_failures + 1`,
      status: sql`case when ${final} then 'failed' else status end`,
      error: sql`case when ${final} then ${failure.reason}::text else ${failure.error}::text end`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .where(sql<boolean>`cursor_id is not distinct from ${cursorId}`)
    .returningAll()
    .executeTakeFirst();
}

/** The latest bulk actions of every project, newest first (the operator's explorer). */
export async function listRecentBulkActions(db: Db, limit: number): Promise<BulkActionRow[]> {
  return db.selectFrom('bulk_actions').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Marks an open bulk action of one of `projectIds` `aborted`; the executor notices between
 * chunks. Waits for a chunk in progress (its row lock). The action as it then stands.
 */
export async function abortBulkAction(db: Db, id: string, projectIds: readonly string[]): Promise<BulkActionRow | undefined> {
  if (projectIds.length === 0) return undefined;
  await db
    .updateTable('bulk_actions')
    .set({ status: 'aborted', updated_at: sql`now()` })
    .where('id', '=', id)
    .where('project_id', '=', inProjects(projectIds))
    .where('status', 'in', ['queued', 'running'])
    .execute();
  return findBulkAction(db, id, projectIds);
}

/** How many runs `filter` matches. */
export async function countRuns(db: Db, filter: BulkRunFilter): Promise<number> {
  const row = await whereRunsMatch(
    db.selectFrom('runs').select((eb) => eb.fn.countAll<string>().as('count')),
    filter,
  ).executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * The next `limit` runs `filter` matches after run `afterId` (null: from the start), oldest
 * first: a keyset on `id`, which sorts as (created_at, id) does since a run's `created_at` is
 * its id's time part.
 */
export async function listRunsAfter(db: Db, filter: BulkRunFilter, afterId: string | null, limit: number): Promise<RunRow[]> {
  let query = whereRunsMatch(db.selectFrom('runs').selectAll(), filter);
  if (afterId !== null) query = query.where('id', '>', afterId);
  return query.orderBy('id', 'asc').limit(limit).execute();
}
