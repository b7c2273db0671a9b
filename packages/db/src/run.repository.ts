import { sql } from 'kysely';
import {
  isTerminalStatus,
  runIdRange,
  statusesBefore,
  TRANSITIONS,
  type RunExecutor,
  type RunKind,
  type RunOwnerKind,
  type RunStatus,
  type RunTransition,
} from '@runq/runs';
import type { Db } from './database.js';
import { statusGuard } from './status-guard.js';
import { inProjects } from './scope.js';
import { toJson } from './json.js';
import { insertRuns } from './run-batch.repository.js';
import { RUN_COLUMNS, type NewRunRow, type RunRow, type RunRowUpdate } from './run.table.js';

/**
 * Inserts a new run together with its first event, in one statement (see {@link insertRuns}, of
 * which this is the one-run case). Returns `undefined` when a run with the same owner and
 * `public_id` already exists: the caller resolves the idempotent replay.
 */
export async function insertRun(db: Db, run: NewRunRow, eventData?: unknown): Promise<RunRow | undefined> {
  const [row] = await insertRuns(db, [{ run, eventData }]);
  return row;
}

/** Finds a run by id; with `projectIds`, only when it belongs to one of them. */
export async function findRun(db: Db, runId: string, projectIds?: readonly string[]): Promise<RunRow | undefined> {
  let query = db.selectFrom('runs').selectAll().where('id', '=', runId);
  if (projectIds) query = query.where('project_id', '=', inProjects(projectIds));
  return query.executeTakeFirst();
}

/** Finds the run created with `publicId` for an owner (the idempotency key's scope). */
export async function findRunByPublicId(
  db: Db,
  owner: { kind: RunOwnerKind; id: string },
  publicId: string,
): Promise<RunRow | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('owner_kind', '=', owner.kind)
    .where('owner_id', '=', owner.id)
    .where('public_id', '=', publicId)
    .executeTakeFirst();
}

/** A transition to apply with {@link transitionRun}. */
export interface TransitionRequest {
  runId: string;
  transition: RunTransition;
  /** Other columns to change in the same update. */
  set?: RunRowUpdate;
  /** Stored on the event row. */
  data?: unknown;
  /** Apply only when the run belongs to one of these projects. */
  projectIds?: readonly string[];
  /** Apply only while the run still carries this claim (fences out superseded workers). */
  leaseToken?: string;
  /** Apply only when the current claim has expired (taking over a stalled attempt). */
  leaseExpired?: boolean;
  /** Apply only to runs executed by this party. */
  executor?: RunExecutor;
  /** Start a new attempt under a new claim; with `leaseMs`, the claim expires unless renewed (database clock). */
  claim?: { leaseToken: string; leaseMs?: number; leaseHolder?: number | null };
  /** With `wait`: the wait expires this many milliseconds from now (database clock, like leases). */
  waitTimeoutMs?: number;
}

/** What {@link transitionRun} did: the moved run, or the run as it is now (if visible) when nothing moved. */
export type TransitionOutcome = { moved: true; run: RunRow } | { moved: false; run: RunRow | undefined };

/**
 * The longest wait deadline stored (100 years): the contract bounds `timeout_seconds` only from
 * below, and a deadline past Postgres's timestamp range would fail the whole transition.
 */
const MAX_WAIT_MS = 100 * 365 * 24 * 3600 * 1000;

/** `now() + ms` on the database clock, so leases never depend on the workers' clocks. */
function nowPlus(ms: number) {
  return sql<Date>`now() + ${ms} * interval '1 millisecond'`;
}

/**
 * Moves a run along the transition table: one guarded `UPDATE … WHERE status IN (<allowed
 * from>)` and the matching event row, in one statement. Zero rows updated means the run moved
 * on (or is not visible, or the claim is stale): nothing is written and the current row is
 * returned for the caller to report.
 *
 * Bookkeeping follows the target status: a claim starts a new attempt with a new lease;
 * leaving `running` drops the lease; entering a terminal status sets `completed_at` and
 * `duration_ms` (from the first start), all on the database clock.
 */
export async function transitionRun(db: Db, request: TransitionRequest): Promise<TransitionOutcome> {
  const rule = TRANSITIONS[request.transition];
  const from = statusesBefore(request.transition);
  const terminal = isTerminalStatus(rule.to);
  const moved = await db
    .with('moved', (qb) => {
      let update = qb
        .updateTable('runs')
        .set((eb) => ({
          ...(rule.to === 'running' ? {} : { lease_token: null, lease_expires_at: null, lease_holder: null }),
          ...(rule.to === 'waiting' ? {} : { waiting_reason: null, wait_deadline_at: null }),
          ...request.set,
          previous_status: eb.ref('status'),
          status: rule.to,
          event_seq: eb('event_seq', '+', 1),
          updated_at: sql<Date>`now()`,
          ...(request.claim
            ? {
                attempt: eb('attempt', '+', 1),
                started_at: sql<Date>`coalesce(started_at, now())`,
                lease_token: request.claim.leaseToken,
                lease_expires_at: request.claim.leaseMs === undefined ? null : nowPlus(request.claim.leaseMs),
                lease_holder: request.claim.leaseHolder ?? null,
              }
            : {}),
          ...(request.waitTimeoutMs !== undefined ? { wait_deadline_at: nowPlus(Math.min(request.waitTimeoutMs, MAX_WAIT_MS)) } : {}),
          ...(terminal
            ? {
                completed_at: sql<Date>`now()`,
                duration_ms: sql<number | null>`(extract(epoch from now() - started_at) * 1000)::integer`,
              }
            : {}),
        }))
        .where('id', '=', request.runId)
        .where(statusGuard(from));
      if (request.projectIds) update = update.where('project_id', '=', inProjects(request.projectIds));
      if (request.leaseToken !== undefined) update = update.where('lease_token', '=', request.leaseToken);
      if (request.executor !== undefined) update = update.where('executor', '=', request.executor);
      if (request.leaseExpired) {
        update = update.where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', sql<Date>`now()`)]));
      }
      return update.returningAll();
    })
    .with('event', (qb) =>
      qb
        .insertInto('run_events')
        .columns(['run_id', 'seq', 'from_status', 'to_status', 'attempt', 'at', 'data'])
        .expression((eb) =>
          eb
            .selectFrom('moved')
            .select([
              'id',
              'event_seq',
              'previous_status',
              'status',
              'attempt',
              'updated_at',
              sql<string | null>`${toJson(request.data)}::jsonb`.as('data'),
            ]),
        ),
    )
    .selectFrom('moved')
    .selectAll()
    .executeTakeFirst();
  if (moved) return { moved: true, run: moved };
  return { moved: false, run: await findRun(db, request.runId, request.projectIds) };
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
  parentRunId?: string;
  rootRunId?: string;
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
  let query = db.selectFrom('runs').select(RUN_LIST_COLUMNS);
  if (filter.projectIds !== 'all') query = query.where('project_id', '=', inProjects(filter.projectIds));
  if (filter.ownerKind) query = query.where('owner_kind', '=', filter.ownerKind);
  if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.batchId) query = query.where('batch_id', '=', filter.batchId);
  if (filter.parentRunId) query = query.where('parent_run_id', '=', filter.parentRunId);
  if (filter.rootRunId) query = query.where('root_run_id', '=', filter.rootRunId);
  // A creation-time window is a range of ids (a run's created_at is its id's time part), so
  // every filter reads an index ending in `id DESC` in listing order and stops after the page.
  const window = runIdRange({ after: filter.createdAfter, before: filter.createdBefore });
  if (window.above) query = query.where('id', '>', window.above);
  if (window.below) query = query.where('id', '<', window.below);
  if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

/** The direct children of a run, newest first (at most `limit`). */
export async function listChildRuns(db: Db, parentRunId: string, limit = 100): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().where('parent_run_id', '=', parentRunId).orderBy('id', 'desc').limit(limit).execute();
}
