import { CompiledQuery } from 'kysely';
import { statusesBefore, type RunKind } from '@runq/runs';
import type { Db } from './database.js';

/*
 * Worker presence: every worker process holds, for its whole life, a session-level advisory
 * lock `(WORKER_PRESENCE_NAMESPACE, holder id)` and records its holder id on each run it claims
 * (`runs.lease_holder`). Postgres releases the lock when the session ends: the process died,
 * its machine is gone (TCP keepalives), or the connection broke (then the worker takes its lock
 * again at once). A running run whose holder's lock has been absent for a while belongs to a
 * worker that is gone, and is handed to another one without waiting for its lease to expire.
 *
 * The statements are fixed text: `pg_locks` is not one of the store's tables.
 */

/** First key of every worker presence lock (two-integer form): "runq" in ASCII, a positive `integer`. */
export const WORKER_PRESENCE_NAMESPACE = 0x72756e71;

/** Holder ids are drawn from 1 to this (positive `integer`s, so `pg_locks` shows them as they are). */
export const MAX_PRESENCE_HOLDER_ID = 2 ** 31 - 1;

/**
 * Holder ids whose presence lock is granted in this database, as `holder` (bigint); $1 is the
 * presence namespace. Shared by the statements below and the worker targets', so that they agree on what "present" means. The listing compares each
 * running run with them as an array (`<> all`): an anti-join against the set took twice as long
 * (see docs/decisions/0011-dead-worker-detection.md).
 */
export const PRESENT_HOLDERS = `
  select l.objid::bigint as holder
  from pg_locks as l
  where l.locktype = 'advisory' and l.granted and l.objsubid = 2
    and l.database = (select oid from pg_database where datname = current_database())
    and l.classid::bigint = $1::bigint`;

const LIST_ORPHANED_RUNS = `
-- Running, worker-executed runs whose claim holder (runs.lease_holder) holds no presence lock in
-- this database now, oldest change first (through runs_unfinished_idx).
-- $1: the presence namespace; $2: at most this many runs.
-- Returns: id, kind, job_id, lease_token, lease_holder of each.
with present as materialized (${PRESENT_HOLDERS})
select r.id, r.kind, r.job_id, r.lease_token, r.lease_holder
from runs as r
where r.status = 'running' and r.executor = 'worker' and r.lease_holder is not null
  and r.lease_holder <> all (array(select p.holder::integer from present as p))
order by r.updated_at
limit $2`;

const RECOVER_ORPHANED_RUNS = `
-- Takes runs away from worker processes that are gone: each run's lease lapses now, its holder is
-- cleared and it gets a new dispatch id, so that the next worker to get the new job takes it
-- over as a new attempt (reclaim). Guarded per run: still running under the claim, dispatch and
-- holder the caller saw, and that holder still holds no presence lock.
-- $1: the presence namespace; $2: the statuses a takeover leaves (text[]); $3: run ids;
-- $4: lease tokens seen; $5: job ids seen; $6: holder ids seen; $7: new job ids (arrays in one order).
-- Returns: id, kind, runtime target columns and the new job_id of each run taken over.
with present as materialized (${PRESENT_HOLDERS}),
input as (
  select * from unnest($3::text[], $4::uuid[], $5::text[], $6::integer[], $7::text[])
    as i(id, lease_token, job_id, lease_holder, new_job_id)
)
update runs as r set
  lease_expires_at = now(),
  lease_holder = null,
  job_id = i.new_job_id
from input as i
where r.id = i.id
  and (r.status = any($2::text[])) is true
  and r.lease_token = i.lease_token
  and r.job_id = i.job_id
  and r.lease_holder = i.lease_holder
  and not exists (select 1 from present as p where p.holder = i.lease_holder)
returning r.id, r.kind, r.job_id, r.runtime_target_kind, r.runtime_target_environment_id, r.runtime_target_branch_id`;

/** A running run whose worker holds no presence lock, as {@link listOrphanedRuns} saw it. */
export interface OrphanedRun {
  id: string;
  kind: RunKind;
  job_id: string;
  lease_token: string;
  lease_holder: number;
}

/** A run {@link recoverOrphanedRuns} took over, with its new dispatch id. */
export interface RecoveredRun {
  id: string;
  kind: RunKind;
  job_id: string;
  runtime_target_kind: string | null;
  runtime_target_environment_id: string | null;
  runtime_target_branch_id: string | null;
}

/**
 * Running, worker-executed runs whose claim holder holds no presence lock now (at most `limit`,
 * oldest change first). Absent once is not dead: the caller waits for a holder to stay absent
 * (its presence connection may be coming back) before {@link recoverOrphanedRuns}.
 */
export async function listOrphanedRuns(db: Db, limit: number): Promise<OrphanedRun[]> {
  const result = await db.executeQuery<OrphanedRun>(CompiledQuery.raw(LIST_ORPHANED_RUNS, [WORKER_PRESENCE_NAMESPACE, limit]));
  return result.rows;
}

/**
 * Takes `runs` away from their vanished workers in one statement: for each still running under
 * the claim, dispatch and holder seen (and whose holder is still absent), the lease lapses now
 * and the run gets `newJobIds[i]` as its dispatch. Returns the runs taken over; the caller
 * enqueues their new jobs (should that fail, the reconciler re-dispatches them as stalled runs).
 */
export async function recoverOrphanedRuns(db: Db, runs: readonly OrphanedRun[], newJobIds: readonly string[]): Promise<RecoveredRun[]> {
  if (runs.length === 0) return [];
  const result = await db.executeQuery<RecoveredRun>(
    CompiledQuery.raw(RECOVER_ORPHANED_RUNS, [
      WORKER_PRESENCE_NAMESPACE,
      statusesBefore('reclaim'),
      runs.map((run) => run.id),
      runs.map((run) => run.lease_token),
      runs.map((run) => run.job_id),
      runs.map((run) => run.lease_holder),
      newJobIds,
    ]),
  );
  return result.rows;
}
