import { type Kysely } from 'kysely';

/**
 * `runs.lease_holder`: the presence id of the worker process that holds a running attempt's
 * claim. Each worker process holds a session-level advisory lock keyed by that id for its whole
 * life; when the lock is gone, the process is gone, and the active reconciler takes its runs over
 * without waiting for their leases to expire. Null when no worker holds the run (or when the
 * claim was made by a process that predates presence locks: such runs wait out their leases).
 *
 * A nullable column without a default: adding it rewrites nothing and takes a brief lock only.
 * No index: the reconciler reads it only for running runs, which it finds through
 * `runs_unfinished_idx` (see docs/decisions/0011-dead-worker-detection.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('lease_holder', 'integer').execute();
}
