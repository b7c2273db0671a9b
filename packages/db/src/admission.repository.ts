import { sql } from 'kysely';
import type { HoldReason } from '@runq/runs';
import type { Db } from './database.js';
import { RUN_COLUMNS, type RunRow } from './run.table.js';

/*
 * The statements of flow-control admission (docs/decisions/0009-flow-control.md). Each runs in
 * the caller's transaction: admission into a bucket is only ever decided under that bucket's
 * lock, after counting its slots, which is what keeps a limit from being exceeded.
 */

/** Sorted, without repeats: every transaction takes bucket locks in this order. */
function lockOrder(buckets: readonly string[]): string[] {
  return [...new Set(buckets)].sort();
}

/**
 * Takes the admission lock of each bucket (transaction-scoped advisory locks, keyed by a hash of
 * the bucket), waiting for them, in sorted order so that two admissions cannot deadlock.
 */
export async function lockBuckets(trx: Db, buckets: readonly string[]): Promise<void> {
  for (const bucket of lockOrder(buckets)) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${bucket}, 0))`.execute(trx);
  }
}

/**
 * Tries to take the admission lock of each bucket without waiting. False when one is taken by
 * another transaction (the locks already taken stay held until this one ends): the caller then
 * leaves the decision to that transaction or a later pass, rather than risk a deadlock.
 */
export async function tryLockBuckets(trx: Db, buckets: readonly string[]): Promise<boolean> {
  for (const bucket of lockOrder(buckets)) {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${bucket}, 0)) as locked`.execute(trx);
    if (!rows[0]?.locked) return false;
  }
  return true;
}

/** The slots held in `bucket` (a count of its rows: its use). */
export async function countSlots(trx: Db, bucket: string): Promise<number> {
  const row = await trx
    .selectFrom('run_slots')
    .select(sql<string>`count(*)`.as('count'))
    .where('bucket', '=', bucket)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Ids of the runs holding a slot in `bucket`. */
export async function listSlotHolders(trx: Db, bucket: string): Promise<string[]> {
  const rows = await trx.selectFrom('run_slots').select('run_id').where('bucket', '=', bucket).execute();
  return rows.map((row) => row.run_id);
}

/** Gives `runId` a slot in each of `buckets`. */
export async function insertSlots(trx: Db, runId: string, buckets: readonly string[]): Promise<void> {
  if (buckets.length === 0) return;
  await trx
    .insertInto('run_slots')
    .values(buckets.map((bucket) => ({ bucket, run_id: runId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Where a rate bucket's ring stands: the slot the next start replaces, and when that slot's start was (null: never). */
export interface RateWindow {
  slot: number;
  nextSlot: number;
  replacedStart: Date | null;
}

/** The state of rate bucket `bucket` for a ring of `max` slots (the rate's `max`). */
export async function readRateWindow(trx: Db, bucket: string, max: number): Promise<RateWindow> {
  await trx
    .insertInto('rate_buckets')
    .values({ bucket })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const { next_slot } = await trx.selectFrom('rate_buckets').select('next_slot').where('bucket', '=', bucket).executeTakeFirstOrThrow();
  const nextSlot = Number(next_slot);
  const slot = nextSlot % max;
  const start = await trx.selectFrom('rate_starts').select('started_at').where('bucket', '=', bucket).where('slot', '=', slot).executeTakeFirst();
  return { slot, nextSlot, replacedStart: start?.started_at ?? null };
}

/** Records a start at `at` in the ring slot `window.slot` of `bucket`, and moves the ring on. */
export async function recordRateStart(trx: Db, bucket: string, window: RateWindow, at: Date): Promise<void> {
  await trx
    .insertInto('rate_starts')
    .values({ bucket, slot: window.slot, started_at: at })
    .onConflict((oc) => oc.columns(['bucket', 'slot']).doUpdateSet({ started_at: at }))
    .execute();
  await trx
    .updateTable('rate_buckets')
    .set({ next_slot: window.nextSlot + 1 })
    .where('bucket', '=', bucket)
    .execute();
}

/** The database's clock, which every admission decision reads. */
export async function databaseNow(trx: Db): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(trx);
  const row = rows[0];
  if (!row) throw new Error('select now() returned no row');
  return row.now;
}

/**
 * Holds pending run `runId` for `reason` (with `until` for a rate): it is not given to a worker
 * until admitted. `waitOn` are the full buckets whose release should reconsider it, in the
 * run's admission order `orderAt`. False when the run is no longer pending.
 */
export async function holdRun(
  trx: Db,
  runId: string,
  hold: { reason: HoldReason; until: Date | null; waitOn: readonly string[]; orderAt: Date },
): Promise<boolean> {
  const result = await trx
    .updateTable('runs')
    .set({ hold_reason: hold.reason, hold_until: hold.until })
    .where('id', '=', runId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await trx.deleteFrom('run_holds').where('run_id', '=', runId).execute();
  if (hold.waitOn.length > 0) {
    await trx
      .insertInto('run_holds')
      .values(hold.waitOn.map((bucket) => ({ bucket, order_at: hold.orderAt, run_id: runId })))
      .execute();
  }
  return true;
}

/** Ends the hold of pending run `runId` (it was admitted): it may now be given to a worker. */
export async function clearHold(trx: Db, runId: string): Promise<void> {
  await trx.updateTable('runs').set({ hold_reason: null, hold_until: null }).where('id', '=', runId).where('hold_reason', 'is not', null).execute();
  await trx.deleteFrom('run_holds').where('run_id', '=', runId).execute();
}

/** The held runs waiting on `bucket`, first in admission order first. */
export async function listHeldRuns(trx: Db, bucket: string, limit: number): Promise<RunRow[]> {
  return trx
    .selectFrom('run_holds as h')
    .innerJoin('runs as r', 'r.id', 'h.run_id')
    .select(RUN_COLUMNS.map((column) => `r.${column}` as const))
    .where('h.bucket', '=', bucket)
    .where('r.status', '=', 'pending')
    .orderBy('h.order_at')
    .orderBy('h.run_id')
    .limit(limit)
    .execute();
}

/** Runs held for a rate whose window has reopened, earliest first. */
export async function listDueRateHolds(db: Db, limit: number): Promise<RunRow[]> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('status', '=', 'pending')
    .where('hold_reason', '=', 'rate')
    .where('hold_until', '<=', sql<Date>`now()`)
    .orderBy('hold_until')
    .limit(limit)
    .execute();
}

/** When the earliest rate-held run may try again, or undefined when none is held for a rate. */
export async function nextRateHoldAt(db: Db): Promise<Date | undefined> {
  const row = await db
    .selectFrom('runs')
    .select('hold_until')
    .where('status', '=', 'pending')
    .where('hold_reason', '=', 'rate')
    .orderBy('hold_until')
    .limit(1)
    .executeTakeFirst();
  return row?.hold_until ?? undefined;
}

/** Buckets some held run is waiting on (at most `limit`), for the pass that repairs lost releases. */
export async function listHeldBuckets(db: Db, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('run_holds').select('bucket').distinct().orderBy('bucket').limit(limit).execute();
  return rows.map((row) => row.bucket);
}

/**
 * Deletes the slots and waiting places of every bucket of `policyId` (the policy is gone), and
 * returns the runs that were waiting on them, for admission under the policies that remain.
 */
export async function deletePolicyBuckets(trx: Db, policyId: string): Promise<RunRow[]> {
  const from = `${policyId}/`;
  const to = `${policyId}0`;
  await trx.deleteFrom('run_slots').where('bucket', '>=', from).where('bucket', '<', to).execute();
  const held = await trx.deleteFrom('run_holds').where('bucket', '>=', from).where('bucket', '<', to).returning('run_id').execute();
  const ids = [...new Set(held.map((row) => row.run_id))];
  if (ids.length === 0) return [];
  return trx.selectFrom('runs').selectAll().where('id', 'in', ids).where('status', '=', 'pending').orderBy('order_at').execute();
}

/** A place a held run waits in: the bucket, its slots in use, and its policy's name and limit (null for a bucket of no policy). */
export interface HoldPlace {
  bucket: string;
  running: number;
  policyName: string | null;
  limit: number | null;
}

/** Where pending run `runId` waits (its `run_holds` rows), with each bucket's use now. */
export async function listHoldPlaces(db: Db, runId: string): Promise<HoldPlace[]> {
  const rows = await db
    .selectFrom('run_holds as h')
    .leftJoin('policies as p', (join) => join.on(sql`p.id::text`, '=', sql`split_part(h.bucket, '/', 1)`))
    .select([
      'h.bucket',
      'p.name',
      'p.concurrency_limit',
      (eb) =>
        eb
          .selectFrom('run_slots as s')
          .select(sql<string>`count(*)`.as('n'))
          .whereRef('s.bucket', '=', 'h.bucket')
          .as('running'),
    ])
    .where('h.run_id', '=', runId)
    .orderBy('h.bucket')
    .execute();
  return rows.map((row) => ({ bucket: row.bucket, running: Number(row.running ?? 0), policyName: row.name ?? null, limit: row.concurrency_limit ?? null }));
}
