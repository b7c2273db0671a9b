import { sql } from 'kysely';
import { runIdRange, type RunOwnerKind } from '@runq/runs';
import type { Db } from './database.js';
import type { RunRow } from './run.table.js';

/**
 * The replays of run `runId` (runs whose `metadata.replay_of` names it), newest first; read
 * through `runs_replay_of_idx` (docs/decisions/0019-batches-and-bulk-actions.md).
 */
export async function listReplays(db: Db, runId: string, limit = 100): Promise<RunRow[]> {
  return (
    db
      .selectFrom('runs')
      .selectAll()
      // The `sql` tag: the expression must be written exactly as the index's for Postgres to use it.
      .where(sql<string>`metadata->>'replay_of'`, '=', runId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
  );
}

/** Failed runs of one project sharing one error code (`null`: failed without one). */
export interface DeadLetterGroup {
  project_id: string;
  code: string | null;
  count: number;
  latest_at: Date;
}

/**
 * Dead letters: failed runs (a run fails only once its attempts are exhausted, or its error
 * allows no retry) created since `since`, counted by project and error code, largest first.
 */
export async function listDeadLetterGroups(db: Db, since: Date, limit = 100): Promise<DeadLetterGroup[]> {
  const rows = await db
    .selectFrom('runs')
    // The `sql` tag: the builder has no typed `->>` on a jsonb column of unknown shape.
    .select([
      'project_id',
      sql<string | null>`error->>'code'`.as('code'),
      (eb) => eb.fn.countAll<string>().as('count'),
      (eb) => eb.fn.max('created_at').as('latest_at'),
    ])
    .where('status', '=', 'failed')
    .where('id', '>', idAfter(since))
    .groupBy(['project_id', sql`error->>'code'`])
    .orderBy(sql`count(*)`, 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ project_id: row.project_id, code: row.code, count: Number(row.count), latest_at: row.latest_at as Date }));
}

/** The latest failed runs created since `since`, newest first. */
export async function listDeadLetters(db: Db, since: Date, limit = 100): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().where('status', '=', 'failed').where('id', '>', idAfter(since)).orderBy('id', 'desc').limit(limit).execute();
}

/** The run id range of runs created after `since` (a run's `created_at` is its id's time part). */
function idAfter(since: Date): string {
  return runIdRange({ after: since }).above ?? '';
}

/**
 * The runs created with any of `publicIds` by one owner (the idempotency key's scope), in one
 * statement: a batch looks up every item's `public_id` at once rather than one query per item.
 */
export async function findRunsByPublicIds(db: Db, owner: { kind: RunOwnerKind; id: string }, publicIds: readonly string[]): Promise<RunRow[]> {
  if (publicIds.length === 0) return [];
  return db
    .selectFrom('runs')
    .selectAll()
    .where('owner_kind', '=', owner.kind)
    .where('owner_id', '=', owner.id)
    .where('public_id', '=', sql<string>`any(${[...publicIds]}::text[])`)
    .execute();
}
