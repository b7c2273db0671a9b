import { sql } from 'kysely';
import type { OverlapState } from '@runq/runs';
import type { Db } from './database.js';
import type { RunRow } from './run.table.js';
import type { NewScheduleOccurrenceRow, ScheduleOccurrenceRow, ScheduleRow } from './schedule.table.js';

/**
 * Locks up to `limit` active schedules that are due on the database's clock, earliest first.
 * Rows another firer holds are skipped (`SKIP LOCKED`): each due schedule is fired by one
 * transaction at a time, whatever the number of firers.
 */
export async function lockDueSchedules(trx: Db, limit: number): Promise<ScheduleRow[]> {
  return trx
    .selectFrom('schedules')
    .selectAll()
    .where('paused', '=', false)
    .where('next_fire_at', 'is not', null)
    .where('next_fire_at', '<=', sql<Date>`now()`)
    .orderBy('next_fire_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** The earliest fire time of an active schedule, and the database's clock; undefined when none is left. */
export async function nextScheduleFire(db: Db): Promise<{ at: Date | undefined; now: Date }> {
  const { rows } = await sql<{ at: Date | null; now: Date }>`
    -- runq_next_schedule_fire: the earliest next_fire_at of an active schedule, and now() (database clock).
    select (select min(next_fire_at) from schedules where not paused and next_fire_at is not null) as at, now() as now`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('next schedule fire: no row');
  return { at: row.at ?? undefined, now: row.now };
}

/** A schedule's unfinished runs (see {@link readOverlapStates}). */
export type ScheduleOverlap = OverlapState & { runIds: string[] };

/**
 * How many of each schedule's runs are unfinished, split into those held by the schedule
 * (buffered) and the others, counting occurrences whose run is still being created; and the ids
 * of the unfinished runs (for `cancel_other`). Two statements for any number of schedules.
 */
export async function readOverlapStates(trx: Db, scheduleIds: readonly string[]): Promise<Map<string, ScheduleOverlap>> {
  const states = new Map<string, ScheduleOverlap>(scheduleIds.map((id) => [id, { active: 0, buffered: 0, runIds: [] }]));
  if (scheduleIds.length === 0) return states;
  const runs = await trx
    .selectFrom('runs')
    .select(['id', 'schedule_id', 'hold_reason'])
    .where('schedule_id', 'in', [...scheduleIds])
    .where('status', 'in', ['pending', 'running', 'waiting'])
    .execute();
  const unresolved = await trx
    .selectFrom('schedule_occurrences')
    .select(['schedule_id', 'buffered'])
    .where('schedule_id', 'in', [...scheduleIds])
    .where('outcome', '=', 'created')
    .where('run_id', 'is', null)
    .where('error', 'is', null)
    .execute();
  for (const run of runs) {
    const state = states.get(run.schedule_id ?? '');
    if (!state) continue;
    if (run.hold_reason === 'schedule') state.buffered += 1;
    else state.active += 1;
    state.runIds.push(run.id);
  }
  for (const row of unresolved) {
    const state = states.get(row.schedule_id);
    if (!state) continue;
    if (row.buffered) state.buffered += 1;
    else state.active += 1;
  }
  return states;
}

/** {@link readOverlapStates} of one schedule. */
export async function readOverlapState(trx: Db, scheduleId: string): Promise<ScheduleOverlap> {
  return (await readOverlapStates(trx, [scheduleId])).get(scheduleId) ?? { active: 0, buffered: 0, runIds: [] };
}

/** How one firing pass moves a locked schedule on. */
export interface ScheduleAdvance {
  id: string;
  nextSlot: Date | null;
  nextFireAt: Date | null;
  created: number;
  skipped: number;
  missed: number;
}

/**
 * Moves locked schedules to their next slot and adds up what their occurrences did, in one
 * statement; `firedAt` becomes the `last_fired_at` of those that recorded an occurrence.
 */
export async function advanceSchedules(trx: Db, advances: readonly ScheduleAdvance[], firedAt: Date): Promise<void> {
  if (advances.length === 0) return;
  await sql`
    -- runq_advance_schedules: next slot, fire time and counters of each schedule a pass fired.
    -- Input: parallel arrays (id, next_slot, next_fire_at, created, skipped, missed) and the pass's time.
    update schedules as s
       set next_slot = v.next_slot, next_fire_at = v.next_fire_at,
           runs_created = s.runs_created + v.created, skipped = s.skipped + v.skipped, missed_count = s.missed_count + v.missed,
           last_fired_at = case when v.created + v.skipped + v.missed > 0 then ${firedAt}::timestamptz else s.last_fired_at end
      from unnest(${advances.map((a) => a.id)}::uuid[], ${advances.map((a) => a.nextSlot)}::timestamptz[], ${advances.map((a) => a.nextFireAt)}::timestamptz[],
                  ${advances.map((a) => a.created)}::int[], ${advances.map((a) => a.skipped)}::int[], ${advances.map((a) => a.missed)}::int[])
           as v(id, next_slot, next_fire_at, created, skipped, missed)
     where s.id = v.id`.execute(trx);
}

/** Inserts occurrences; those whose (schedule, scheduled_for) exists already are left out of the result. */
export async function insertOccurrences(trx: Db, rows: readonly NewScheduleOccurrenceRow[]): Promise<ScheduleOccurrenceRow[]> {
  if (rows.length === 0) return [];
  return trx
    .insertInto('schedule_occurrences')
    .values([...rows])
    .onConflict((oc) => oc.columns(['schedule_id', 'scheduled_for']).doNothing())
    .returningAll()
    .execute();
}

/** An occurrence whose run is still to be created, with its schedule. */
export interface UnresolvedOccurrence {
  occurrence: ScheduleOccurrenceRow;
  schedule: ScheduleRow;
}

/**
 * Occurrences `created` whose run was not recorded after `olderThanMs` (their firer died or lost
 * Postgres between its commit and the run's creation), oldest first.
 */
export async function listUnresolvedOccurrences(db: Db, olderThanMs: number, limit: number): Promise<UnresolvedOccurrence[]> {
  const occurrences = await db
    .selectFrom('schedule_occurrences')
    .selectAll()
    .where('outcome', '=', 'created')
    .where('run_id', 'is', null)
    .where('error', 'is', null)
    .where('fired_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .orderBy('fired_at')
    .limit(limit)
    .execute();
  if (occurrences.length === 0) return [];
  const schedules = await db
    .selectFrom('schedules')
    .selectAll()
    .where(
      'id',
      'in',
      occurrences.map((row) => row.schedule_id),
    )
    .execute();
  const byId = new Map(schedules.map((row) => [row.id, row]));
  return occurrences.flatMap((occurrence) => {
    const schedule = byId.get(occurrence.schedule_id);
    return schedule ? [{ occurrence, schedule }] : [];
  });
}

/** Records the runs occurrences created, in one statement. */
export async function recordOccurrenceRuns(db: Db, resolved: readonly { occurrenceId: string; runId: string }[]): Promise<void> {
  if (resolved.length === 0) return;
  await sql`
    -- runq_record_occurrence_runs: the run each occurrence created. Input: parallel arrays of occurrence ids and run ids.
    update schedule_occurrences as o set run_id = v.run_id
      from unnest(${resolved.map((r) => r.occurrenceId)}::uuid[], ${resolved.map((r) => r.runId)}::text[]) as v(id, run_id)
     where o.id = v.id`.execute(db);
}

/** Records the run an occurrence created, or why none could be. */
export async function resolveOccurrence(db: Db, occurrenceId: string, result: { runId: string } | { error: string }): Promise<void> {
  await db
    .updateTable('schedule_occurrences')
    .set('runId' in result ? { run_id: result.runId } : { error: result.error })
    .where('id', '=', occurrenceId)
    .execute();
}

/**
 * Locks pending runs past their `expires_at` (database clock), oldest first, skipping rows
 * another transaction holds: a worker's claim of one of them waits for the lock and then finds
 * it cancelled, so an expiry never cancels a run that started.
 */
export async function lockExpiredRuns(trx: Db, limit: number): Promise<string[]> {
  const rows = await trx
    .selectFrom('runs')
    .select('id')
    .where('status', '=', 'pending')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', sql<Date>`now()`)
    .orderBy('expires_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((row) => row.id);
}

/** Marks the occurrences of runs that expired. */
export async function markOccurrencesExpired(db: Db, runIds: readonly string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  const result = await db
    .updateTable('schedule_occurrences')
    .set({ outcome: 'expired' })
    .where('run_id', 'in', [...runIds])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Schedules with a run held behind another (`buffer_one`, `buffer_all`) that no longer has
 * anything to wait for: no unfinished run of the schedule is pending unheld, running or waiting.
 */
export async function listReleasableSchedules(db: Db, limit: number): Promise<string[]> {
  const { rows } = await sql<{ schedule_id: string }>`
    -- runq_releasable_schedules: schedules whose oldest held run may start. Output: schedule ids.
    select distinct h.schedule_id
    from runs as h
    where h.status = 'pending' and h.hold_reason = 'schedule'
      and not exists (
        select 1 from runs as a
        where a.schedule_id = h.schedule_id and a.status in ('pending', 'running', 'waiting')
          and a.hold_reason is distinct from 'schedule')
    limit ${limit}`.execute(db);
  return rows.map((row) => row.schedule_id);
}

/**
 * Under the lock of schedule `scheduleId`: ends the hold of its oldest run held by the schedule,
 * when none of its other runs is unfinished. The released run, or undefined.
 */
export async function releaseScheduleHold(trx: Db, scheduleId: string): Promise<RunRow | undefined> {
  const locked = await trx.selectFrom('schedules').select('id').where('id', '=', scheduleId).forUpdate().skipLocked().executeTakeFirst();
  if (!locked) return undefined;
  const state = await readOverlapState(trx, scheduleId);
  if (state.active > 0) return undefined;
  const next = await trx
    .selectFrom('runs')
    .select('id')
    .where('schedule_id', '=', scheduleId)
    .where('status', '=', 'pending')
    .where('hold_reason', '=', 'schedule')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!next) return undefined;
  return trx
    .updateTable('runs')
    .set({ hold_reason: null, hold_until: null })
    .where('id', '=', next.id)
    .where('status', '=', 'pending')
    .where('hold_reason', '=', 'schedule')
    .returningAll()
    .executeTakeFirst();
}
