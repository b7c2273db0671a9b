import { sql, type SelectQueryBuilder } from 'kysely';
import { runIdRange, type RunKind, type RunOwnerKind, type RunStatus } from '@runq/runs';
import type { Database, Db } from './database.js';
import { statusGuard } from './status-guard.js';
import { inProjects } from './scope.js';
import { RUN_COLUMNS, type RunRow } from './run.table.js';

/** Finds a run by id; with `projectIds`, only when it belongs to one of them. */
export async function findRun(db: Db, runId: string, projectIds?: readonly string[]): Promise<RunRow | undefined> {
  let query = db.selectFrom('runs').selectAll().where('id', '=', runId);
  if (projectIds) query = query.where('project_id', '=', inProjects(projectIds));
  return query.executeTakeFirst();
}

/** Finds the run created with `publicId` for an owner (the idempotency key's scope). */
export async function findRunByPublicId(db: Db, owner: { kind: RunOwnerKind; id: string }, publicId: string): Promise<RunRow | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('owner_kind', '=', owner.kind)
    .where('owner_id', '=', owner.id)
    .where('public_id', '=', publicId)
    .executeTakeFirst();
}

/** `now() + ms` on the database clock, so leases never depend on the workers' clocks. */
function nowPlus(ms: number) {
  return sql<Date>`now() + ${ms} * interval '1 millisecond'`;
}

/**
 * Extends a running attempt's lease. False when the claim is gone (the run was cancelled,
 * finished, or taken over): the holder must stop.
 */
export async function renewLease(db: Db, runId: string, leaseToken: string, leaseMs: number): Promise<boolean> {
  const result = await db
    .updateTable('runs')
    .set({ lease_expires_at: nowPlus(leaseMs) })
    .where('id', '=', runId)
    .where('lease_token', '=', leaseToken)
    .where(statusGuard(['running']))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Lets a running attempt's lease lapse now (its holder is shutting down and abandons it), so
 * that another worker can take the run over at once instead of after the lease. False when
 * the claim had already moved on.
 */
export async function releaseLease(db: Db, runId: string, leaseToken: string): Promise<boolean> {
  const result = await db
    .updateTable('runs')
    .set({ lease_expires_at: sql<Date>`now()` })
    .where('id', '=', runId)
    .where('lease_token', '=', leaseToken)
    .where(statusGuard(['running']))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Filters of {@link listRuns}. `projectIds` is the caller's scope: every API listing sets it;
 * only the operator's run explorer lists across all projects (`'all'`).
 */
export interface RunListFilter {
  projectIds: readonly string[] | 'all';
  ownerKind?: RunOwnerKind;
  ownerId?: string;
  kind?: RunKind;
  status?: RunStatus;
  batchId?: string;
  scheduleId?: string;
  parentRunId?: string;
  rootRunId?: string;
  /** The code of the run's error (`error.code`), as a failed run's dead letter group names it. */
  errorCode?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Return runs older than this run id (keyset pagination). */
  beforeId?: string;
  limit: number;
}

/**
 * The columns a listing does not read: the stored request, claim and dispatch bookkeeping.
 * Parsing them for every row of a page was most of a listing's cost; a listing returns the
 * public envelope's columns and the project and attempt the run explorer shows.
 */
const UNLISTED_COLUMNS = [
  'previous_status',
  'executor',
  'public_id',
  'request_hash',
  'request',
  'conversation_id',
  'message_id',
  'event_seq',
  'job_id',
  'lease_token',
  'lease_expires_at',
  'lease_holder',
  'resume_data',
  'wait_deadline_at',
] as const satisfies readonly (keyof RunRow)[];

type ListedColumn = Exclude<keyof RunRow, (typeof UNLISTED_COLUMNS)[number]>;

/** The columns {@link listRuns} reads: every column of `runs` but {@link UNLISTED_COLUMNS}. */
export const RUN_LIST_COLUMNS = RUN_COLUMNS.filter((column): column is ListedColumn => !(UNLISTED_COLUMNS as readonly string[]).includes(column));

/** A run as {@link listRuns} returns it. */
export type RunListRow = Pick<RunRow, ListedColumn>;

/**
 * Lists runs newest first. Keyset pagination on `id` (ULIDs sort by creation time), so a page
 * costs the same at any depth; each filter has an index ending in `id DESC`.
 */
export async function listRuns(db: Db, filter: RunListFilter): Promise<RunListRow[]> {
  const query = whereRunsMatch(db.selectFrom('runs').select(RUN_LIST_COLUMNS), filter);
  if (filter.beforeId) return query.where('id', '<', filter.beforeId).orderBy('id', 'desc').limit(filter.limit).execute();
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

/** The conditions of a {@link RunListFilter} but its page (`beforeId`, `limit`), on any query of `runs`. */
export function whereRunsMatch<O>(
  query: SelectQueryBuilder<Database, 'runs', O>,
  filter: Omit<RunListFilter, 'limit' | 'beforeId'>,
): SelectQueryBuilder<Database, 'runs', O> {
  let q = query;
  if (filter.projectIds !== 'all') q = q.where('project_id', '=', inProjects(filter.projectIds));
  if (filter.ownerKind) q = q.where('owner_kind', '=', filter.ownerKind);
  if (filter.ownerId) q = q.where('owner_id', '=', filter.ownerId);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.batchId) q = q.where('batch_id', '=', filter.batchId);
  if (filter.scheduleId) q = q.where('schedule_id', '=', filter.scheduleId);
  if (filter.parentRunId) q = q.where('parent_run_id', '=', filter.parentRunId);
  if (filter.rootRunId) q = q.where('root_run_id', '=', filter.rootRunId);
  // The `sql` tag: written exactly as `runs_project_error_code_idx`'s expression, so Postgres uses it.
  if (filter.errorCode !== undefined) q = q.where(sql<string>`error->>'code'`, '=', filter.errorCode);
  // A creation-time window is a range of ids (a run's created_at is its id's time part), so
  // every filter reads an index ending in `id DESC` in listing order and stops after the page.
  const window = runIdRange({ after: filter.createdAfter, before: filter.createdBefore });
  if (window.above) q = q.where('id', '>', window.above);
  if (window.below) q = q.where('id', '<', window.below);
  return q;
}

/** The direct children of a run, newest first (at most `limit`). */
export async function listChildRuns(db: Db, parentRunId: string, limit = 100): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().where('parent_run_id', '=', parentRunId).orderBy('id', 'desc').limit(limit).execute();
}
