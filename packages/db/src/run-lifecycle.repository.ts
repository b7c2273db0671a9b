import { sql } from 'kysely';
import type pg from 'pg';
import { newDispatchId, type RunStatus } from '@runq/runs';
import type { Db } from './database.js';
import type { RunRow } from './run.table.js';

/** Postgres channel on which a run id is announced when the run is cancelled. */
export const RUN_CANCELLED_CHANNEL = 'runq_run_cancelled';

/**
 * Announces cancelled runs to every worker process (`NOTIFY`, delivered at commit). Only
 * cancellations notify: a NOTIFY per transition would serialise every commit on Postgres's
 * notification queue.
 */
export async function notifyRunsCancelled(db: Db, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  // The sql tag: pg_notify over an unnest has no query-builder form.
  await sql`select pg_notify(${RUN_CANCELLED_CHANNEL}, id) from unnest(${[...runIds]}::text[]) as id`.execute(db);
}

/**
 * Subscribes a dedicated connection to cancellations: `onCancelled` gets the id of each run
 * cancelled from now on (see {@link notifyRunsCancelled}), for as long as the connection lives.
 */
export async function listenForCancelledRuns(client: pg.Client, onCancelled: (runId: string) => void): Promise<void> {
  client.on('notification', (message) => {
    if (message.channel === RUN_CANCELLED_CHANNEL && message.payload) onCancelled(message.payload);
  });
  await client.query(`listen ${RUN_CANCELLED_CHANNEL}`);
}

/** A run and all its descendants (through `parent_run_id`), parents before children. */
export async function listRunTree(db: Db, rootRunId: string): Promise<RunRow[]> {
  return db
    .withRecursive('tree(id, depth)', (qb) =>
      qb
        .selectFrom('runs')
        .select(['id', sql<number>`0`.as('depth')])
        .where('id', '=', rootRunId)
        .unionAll((eb) =>
          eb
            .selectFrom('runs as child')
            .innerJoin('tree', 'tree.id', 'child.parent_run_id')
            .select(['child.id', sql<number>`tree.depth + 1`.as('depth')]),
        ),
    )
    .selectFrom('runs')
    .innerJoin('tree', 'tree.id', 'runs.id')
    .selectAll('runs')
    .orderBy('tree.depth')
    .orderBy('runs.id')
    .execute();
}

/**
 * Gives a run a new dispatch (queue job id) when it still has `fromJobId` and `status`, and
 * returns the new id; undefined when the run moved on meanwhile.
 */
export async function redispatchRun(db: Db, run: { id: string; job_id: string }, status: RunStatus): Promise<string | undefined> {
  const jobId = newDispatchId(run.id);
  const result = await db
    .updateTable('runs')
    .set({ job_id: jobId })
    .where('id', '=', run.id)
    .where('job_id', '=', run.job_id)
    .where('status', '=', status)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? jobId : undefined;
}

/** What the reconciler looks at for one run. */
export type ReconcileCandidate = Pick<
  RunRow,
  'id' | 'kind' | 'status' | 'job_id' | 'runtime_target_kind' | 'runtime_target_environment_id' | 'runtime_target_branch_id'
>;

const CANDIDATE_COLUMNS = ['id', 'kind', 'status', 'job_id', 'runtime_target_kind', 'runtime_target_environment_id', 'runtime_target_branch_id'] as const;

/**
 * Worker-executed runs the reconciler should check, oldest change first: pending runs older
 * than `pendingGraceMs`, and running runs whose lease expired more than `leaseGraceMs` ago.
 */
export async function listReconcileCandidates(db: Db, options: { pendingGraceMs: number; leaseGraceMs: number; limit: number }): Promise<ReconcileCandidate[]> {
  const pending = db
    .selectFrom('runs')
    .select(CANDIDATE_COLUMNS)
    .where('status', '=', 'pending')
    .where('executor', '=', 'worker')
    // A run held by flow control is not to be dispatched: admission will.
    .where('hold_reason', 'is', null)
    .where('updated_at', '<', sql<Date>`now() - ${options.pendingGraceMs} * interval '1 millisecond'`)
    .orderBy('updated_at')
    .limit(options.limit);
  const stalled = db
    .selectFrom('runs')
    .select(CANDIDATE_COLUMNS)
    .where('status', '=', 'running')
    .where('executor', '=', 'worker')
    .where('lease_expires_at', '<', sql<Date>`now() - ${options.leaseGraceMs} * interval '1 millisecond'`)
    .orderBy('updated_at')
    .limit(options.limit);
  const [a, b] = await Promise.all([pending.execute(), stalled.execute()]);
  return [...a, ...b];
}

/** Ids of waiting runs whose wait deadline has passed. */
export async function listExpiredWaits(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('runs')
    .select('id')
    .where('status', '=', 'waiting')
    .where('wait_deadline_at', '<', sql<Date>`now()`)
    .orderBy('wait_deadline_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}
