import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';
import { PRESENT_HOLDERS, WORKER_PRESENCE_NAMESPACE } from './worker-presence.repository.js';

/*
 * Which queues (run kind and runtime target) have a live worker: each worker process registers
 * what it serves under its presence id, and a registration counts while that id's presence lock
 * is held (see worker-presence.repository.ts). Fixed text: `pg_locks` is not a store table.
 */

const DROP_ABSENT_TARGETS = `
-- Drops the registrations of worker processes that hold no presence lock now.
-- $1: the presence namespace. Returns: nothing.
with present as materialized (${PRESENT_HOLDERS})
delete from worker_targets as t
where t.presence_id <> all (array(select p.holder::integer from present as p))`;

/** A queue: a run kind and a runtime target, and (when registering) the worker's slots on it. */
export interface ServedTarget {
  kind: string;
  target: string;
  concurrency?: number;
}

/**
 * Records that the worker process holding presence id `presenceId` serves `targets`, after
 * dropping the registrations of processes that are gone.
 */
export async function registerWorkerTargets(db: Db, presenceId: number, targets: readonly ServedTarget[]): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(DROP_ABSENT_TARGETS, [WORKER_PRESENCE_NAMESPACE]));
  if (targets.length === 0) return;
  await db
    .insertInto('worker_targets')
    .values(targets.map((served) => ({ kind: served.kind, target: served.target, presence_id: presenceId, concurrency: served.concurrency ?? 1 })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

const SERVED_SLOTS = `
-- The slots live worker processes have on each queue they serve.
-- $1: the presence namespace. Returns: kind, target and the sum of the workers' concurrency.
with present as materialized (${PRESENT_HOLDERS})
select t.kind, t.target, sum(t.concurrency)::integer as slots
from worker_targets as t
where t.presence_id = any (array(select p.holder::integer from present as p))
group by t.kind, t.target`;

/** The slots live worker processes have on each queue they serve. */
export async function listServedSlots(db: Db): Promise<(ServedTarget & { slots: number })[]> {
  const result = await db.executeQuery<ServedTarget & { slots: number }>(CompiledQuery.raw(SERVED_SLOTS, [WORKER_PRESENCE_NAMESPACE]));
  return result.rows;
}
