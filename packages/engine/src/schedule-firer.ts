import type { Logger } from '@runq/config';
import { validateCreateRunRequest } from '@runq/contract';
import {
  databaseNow,
  findSchedule,
  insertOccurrences,
  listReleasableSchedules,
  listUnresolvedOccurrences,
  lockDueSchedules,
  nextScheduleFire,
  advanceSchedules,
  readOverlapState,
  readOverlapStates,
  recordOccurrenceRuns,
  releaseScheduleHold,
  resolveOccurrence,
  updateSchedule,
  type ScheduleAdvance,
  type ScheduleOverlap,
  type Db,
  type NewScheduleOccurrenceRow,
  type RunRow,
  type ScheduleOccurrenceRow,
  type ScheduleRow,
} from '@runq/db';
import {
  IdempotencyConflictError,
  InvalidTransitionError,
  LATE_AFTER_MS,
  RunNotFoundError,
  RunqError,
  ScheduleNotFoundError,
  ScheduleOverlapError,
  afterOverlap,
  decideOverlap,
  jitterOf,
  nextSlot,
  firstSlot,
  planDueSlots,
  type DueSlot,
  type OverlapState,
} from '@runq/runs';
import { randomUUID } from 'node:crypto';
import type { RunAdmission } from './run-admission.js';
import type { RunActor, RunControl } from './run-control.js';
import type { RunIngest } from './run-ingest.js';
import { boundsOf, specOf } from './schedule-fields.js';

/** Schedules fired per transaction. */
const FIRE_BATCH = 100;
/** The most due slots one schedule enumerates in a pass; past that, the late ones are skipped over (docs/decisions/0013-schedules.md). */
const MAX_DUE_SLOTS = 1_000;
/** An occurrence whose run is not recorded this long after it fired is finished by the next pass. */
const UNRESOLVED_AFTER_MS = 5_000;
/** Unresolved occurrences finished per pass. */
const RECOVERY_BATCH = 500;
/** Runs expired and holds released per pass. */
const MAINTENANCE_BATCH = 100;
/** How often a firer finishes unresolved occurrences, releases buffered runs and expires runs (at most). */
const MAINTENANCE_INTERVAL_MS = 1_000;

/** The overlap state of a schedule that does not read it (`allow`). */
const NOTHING_UNFINISHED: ScheduleOverlap = { active: 0, buffered: 0, runIds: [] };

/** What a schedule does with an occurrence, carried out after the firing transaction commits. */
interface FiredOccurrence {
  schedule: ScheduleRow;
  occurrence: ScheduleOccurrenceRow;
  /** Runs to cancel first (`cancel_other`). */
  cancel: string[];
}

/** The outcome of one firing pass. */
export interface FiringPass {
  /** Occurrences that created (or buffered) a run. */
  created: number;
  /** Occurrences recorded in all. */
  occurrences: number;
  /** The earliest fire time left, and the database's clock when it was read. */
  next: { at: Date | undefined; now: Date };
}

/** The identity a schedule acts as: its project, and `schedule:<id>` in run events. */
export function scheduleActor(schedule: Pick<ScheduleRow, 'id' | 'project_id'>): RunActor {
  return { name: `schedule:${schedule.id}`, projectIds: [schedule.project_id] };
}

/** The `public_id` of an occurrence's run: a retried creation is a duplicate, never a second run. */
export function occurrencePublicId(scheduleId: string, scheduledFor: Date): string {
  return `schedule:${scheduleId}:${scheduledFor.toISOString()}`;
}

/**
 * Fires schedules exactly once per occurrence, however many processes fire at once. One
 * transaction per batch locks due schedules (`FOR UPDATE SKIP LOCKED`, database clock), records
 * each occurrence (unique per schedule and slot), decides it under the overlap and missed
 * policies, and advances `next_fire_at`. The runs are created after commit with a `public_id`
 * derived from the occurrence; an occurrence whose run was not recorded (its firer died) is
 * finished by a later pass, as an idempotent duplicate.
 */
export class ScheduleFirer {
  constructor(
    private readonly db: Db,
    private readonly ingest: RunIngest,
    private readonly control: RunControl,
    private readonly admission: RunAdmission,
    private readonly log: Logger,
    private readonly observe?: (outcome: string, latenessMs: number | undefined) => void,
  ) {}

  private lastMaintenance = 0;

  /**
   * One pass: fire what is due; at most once a second, also finish unresolved occurrences,
   * release buffered runs and expire runs past their TTL.
   */
  async tick(): Promise<FiringPass> {
    let created = 0;
    let occurrences = 0;
    for (;;) {
      const batch = await this.fireBatch();
      created += batch.created;
      occurrences += batch.occurrences;
      if (batch.schedules < FIRE_BATCH) break;
    }
    if (Date.now() - this.lastMaintenance >= MAINTENANCE_INTERVAL_MS) {
      this.lastMaintenance = Date.now();
      await this.resolveUnresolved();
      await this.releaseBuffered();
    }
    return { created, occurrences, next: await nextScheduleFire(this.db) };
  }

  /**
   * Fires one batch of due schedules: one transaction reads their overlap state, records every
   * occurrence and advances every schedule (a statement each for the whole batch); the runs are
   * then created concurrently, so run inserts and enqueues share statements.
   */
  private async fireBatch(): Promise<{ schedules: number; created: number; occurrences: number }> {
    const { fired, schedules, recorded } = await this.db.transaction().execute(async (trx) => {
      const due = await lockDueSchedules(trx, FIRE_BATCH);
      if (due.length === 0) return { fired: [], schedules: 0, recorded: [] };
      // The transaction's clock: the same instant `lockDueSchedules` compared with.
      const now = await databaseNow(trx);
      const states = await readOverlapStates(
        trx,
        due.filter((schedule) => schedule.overlap !== 'allow').map((schedule) => schedule.id),
      );
      const plans = due.map((schedule) => planFiring(schedule, now, states.get(schedule.id) ?? NOTHING_UNFINISHED));
      const inserted = await insertOccurrences(
        trx,
        plans.flatMap((plan) => plan.rows),
      );
      const byId = new Map(inserted.map((row) => [row.id, row]));
      const advances: ScheduleAdvance[] = plans.map((plan) => {
        const counts = { created: 0, skipped: 0, missed: 0 };
        for (const row of plan.rows) {
          const stored = byId.get(row.id);
          if (!stored) continue;
          if (stored.outcome === 'created') counts.created += 1;
          else if (stored.outcome === 'skipped_overlap') counts.skipped += 1;
          else counts.missed += 1;
        }
        return { id: plan.schedule.id, nextSlot: plan.nextSlot, nextFireAt: plan.nextFireAt, ...counts };
      });
      await advanceSchedules(trx, advances, now);
      const firedOccurrences = plans.flatMap((plan) =>
        plan.rows.flatMap((row) => {
          const occurrence = byId.get(row.id);
          return occurrence && occurrence.outcome === 'created' ? [{ schedule: plan.schedule, occurrence, cancel: plan.cancels.get(row.id) ?? [] }] : [];
        }),
      );
      return { fired: firedOccurrences, schedules: due.length, recorded: inserted };
    });
    for (const row of recorded) this.observe?.(row.outcome, row.fired_at.getTime() - row.scheduled_for.getTime());
    await this.createRuns(fired);
    return { schedules, created: fired.length, occurrences: recorded.length };
  }

  /**
   * Creates the runs of fired occurrences concurrently (their inserts and enqueues share
   * statements) and records them in one statement. One that fails is left for a later pass.
   */
  private async createRuns(items: readonly FiredOccurrence[]): Promise<void> {
    const outcomes = await Promise.allSettled(items.map((item) => this.carryOut(item, { record: false })));
    const resolved = items.flatMap((item, index) => {
      const outcome = outcomes[index];
      if (outcome?.status === 'rejected')
        this.log.warn({ err: outcome.reason, occurrenceId: item.occurrence.id }, 'creating a scheduled run failed; a later pass will');
      return outcome?.status === 'fulfilled' && outcome.value ? [{ occurrenceId: item.occurrence.id, runId: outcome.value.id }] : [];
    });
    await recordOccurrenceRuns(this.db, resolved);
  }

  /**
   * Fires an occurrence of schedule `scheduleId` now, outside its spec; the overlap policy still
   * applies (a skipped occurrence is {@link ScheduleOverlapError}). The run it created.
   */
  async trigger(actor: RunActor, scheduleId: string): Promise<{ run: RunRow; occurrence: ScheduleOccurrenceRow }> {
    const fired = await this.db.transaction().execute(async (trx) => {
      const schedule = await findSchedule(trx, scheduleId, actor.projectIds, { forUpdate: true });
      if (!schedule) throw new ScheduleNotFoundError(scheduleId);
      const now = await databaseNow(trx);
      const state = await readOverlapState(trx, schedule.id);
      const decision = decideOverlap(schedule.overlap, state);
      const outcome = decision === 'skip' ? 'skipped_overlap' : 'created';
      const [occurrence] = await insertOccurrences(trx, [
        { id: randomUUID(), schedule_id: schedule.id, scheduled_for: now, outcome, buffered: decision === 'buffer' },
      ]);
      if (!occurrence) throw new Error('a triggered occurrence collided with an existing one');
      await updateSchedule(trx, schedule.id, {
        last_fired_at: now,
        ...(outcome === 'created' ? { runs_created: schedule.runs_created + 1 } : { skipped: schedule.skipped + 1 }),
      });
      return { schedule, occurrence, cancel: decision === 'cancel_others' ? state.runIds : [] };
    });
    this.observe?.(fired.occurrence.outcome, undefined);
    if (fired.occurrence.outcome !== 'created') throw new ScheduleOverlapError(scheduleId, fired.occurrence.id);
    const run = await this.carryOut(fired);
    if (!run) throw new Error(`the triggered occurrence ${fired.occurrence.id} created no run`);
    return { run, occurrence: { ...fired.occurrence, run_id: run.id } };
  }

  /**
   * After commit: cancels the runs `cancel_other` named, creates the occurrence's run and records
   * it. A failure that a retry may fix (Postgres away) leaves the occurrence for a later pass.
   */
  private async carryOut(item: FiredOccurrence, options: { record: boolean } = { record: true }): Promise<RunRow | undefined> {
    const actor = scheduleActor(item.schedule);
    for (const runId of item.cancel) {
      // A run that finished or went meanwhile needs no cancelling.
      await this.control.cancel(actor, runId).catch((error: unknown) => {
        if (!(error instanceof InvalidTransitionError || error instanceof RunNotFoundError)) throw error;
      });
    }
    const { schedule, occurrence } = item;
    const validation = validateCreateRunRequest({ ...(schedule.run as object), public_id: occurrencePublicId(schedule.id, occurrence.scheduled_for) });
    if (!validation.ok) {
      await resolveOccurrence(this.db, occurrence.id, { error: `the run body is invalid: ${JSON.stringify(validation.errors)}` });
      return undefined;
    }
    const ttlMs = schedule.run_ttl_ms === null ? null : Number(schedule.run_ttl_ms);
    try {
      const { run } = await this.ingest.createRun(
        actor,
        validation.value,
        { kind: 'schedule', id: occurrence.id, scheduleId: schedule.id },
        {
          ...(occurrence.buffered ? { holdReason: 'schedule' as const } : {}),
          expiresAt: ttlMs === null ? null : new Date(occurrence.fired_at.getTime() + ttlMs),
        },
      );
      if (options.record) await resolveOccurrence(this.db, occurrence.id, { runId: run.id });
      return run;
    } catch (error) {
      if (error instanceof IdempotencyConflictError) {
        // The schedule's run body changed after this occurrence first created its run: that run stands.
        await resolveOccurrence(this.db, occurrence.id, { runId: error.existingRunId });
        return undefined;
      }
      if (error instanceof RunqError) {
        await resolveOccurrence(this.db, occurrence.id, { error: error.message });
        return undefined;
      }
      this.log.warn({ err: error, scheduleId: schedule.id, occurrenceId: occurrence.id }, 'creating a scheduled run failed; a later pass will');
      return undefined;
    }
  }

  /**
   * Creates the runs of occurrences whose firer stopped (or lost Postgres) between its commit and
   * the run; two firers doing it at once create each run once (its `public_id`).
   */
  private async resolveUnresolved(): Promise<void> {
    const unresolved = await listUnresolvedOccurrences(this.db, UNRESOLVED_AFTER_MS, RECOVERY_BATCH);
    await this.createRuns(unresolved.map(({ occurrence, schedule }) => ({ schedule, occurrence, cancel: [] })));
  }

  /** Releases the oldest buffered run of each schedule whose previous run finished. */
  private async releaseBuffered(): Promise<void> {
    for (const scheduleId of await listReleasableSchedules(this.db, MAINTENANCE_BATCH)) {
      const released = await this.db.transaction().execute(async (trx) => {
        const run = await releaseScheduleHold(trx, scheduleId);
        if (!run) return undefined;
        if (run.slot_buckets === null && run.rate_buckets === null) return run;
        const { decision } = await this.admission.admit(trx, run, { wait: true, isNew: false });
        return decision.type === 'admitted' || decision.type === 'skipped' ? run : undefined;
      });
      if (released && released.executor === 'worker') await this.admission.dispatch([released]);
    }
  }
}

/** What one pass does with a locked due schedule: its occurrences, the runs to cancel first, and its next slot. */
interface FiringPlan {
  schedule: ScheduleRow;
  rows: (NewScheduleOccurrenceRow & { id: string })[];
  /** Per occurrence id: the runs `cancel_other` cancels before its run is created. */
  cancels: Map<string, string[]>;
  nextSlot: Date | null;
  nextFireAt: Date | null;
}

/**
 * Decides a due schedule's occurrences at `now` (database clock): the due slots in order (at
 * most {@link MAX_DUE_SLOTS}; past that the late ones are skipped over), which the missed policy
 * fires, what the overlap policy does with each fired one given `overlap`, where `max_runs`
 * stops, and the next slot.
 */
function planFiring(schedule: ScheduleRow, now: Date, overlap: ScheduleOverlap): FiringPlan {
  const spec = specOf(schedule.spec);
  const bounds = boundsOf(schedule);
  const jitterMs = Number(schedule.jitter_ms);
  const fireAt = (slot: Date) => new Date(slot.getTime() + jitterOf(schedule.id, slot, jitterMs));
  const lateBefore = new Date(Math.max(now.getTime() - LATE_AFTER_MS, schedule.late_before?.getTime() ?? 0));
  const due: DueSlot[] = [];
  let slot = schedule.next_slot;
  while (slot !== null && due.length < MAX_DUE_SLOTS) {
    const at = fireAt(slot);
    if (at.getTime() > now.getTime()) break;
    due.push({ slot, fireAt: at });
    slot = nextSlot(spec, slot, bounds);
  }
  const truncated = slot !== null && fireAt(slot).getTime() <= now.getTime();
  const catchupWindowMs = Number(schedule.catchup_window_ms);
  const plan = truncated ? due.map(() => 'missed' as const) : planDueSlots(due, { now, lateBefore, missed: schedule.missed, catchupWindowMs });
  if (truncated) slot = firstSlot(spec, schedule.missed === 'all' ? new Date(now.getTime() - catchupWindowMs) : now, bounds);

  let state: OverlapState = overlap;
  let runIds = overlap.runIds;
  let runsCreated = schedule.runs_created;
  const rows: FiringPlan['rows'] = [];
  const cancels = new Map<string, string[]>();
  for (const [index, dueSlot] of due.entries()) {
    const id = randomUUID();
    if (plan[index] === 'missed') {
      rows.push({ id, schedule_id: schedule.id, scheduled_for: dueSlot.slot, outcome: 'missed' });
      continue;
    }
    if (schedule.max_runs !== null && runsCreated >= schedule.max_runs) break;
    const decision = decideOverlap(schedule.overlap, state);
    if (decision === 'skip') {
      rows.push({ id, schedule_id: schedule.id, scheduled_for: dueSlot.slot, outcome: 'skipped_overlap' });
      continue;
    }
    if (decision === 'cancel_others') cancels.set(id, runIds);
    state = afterOverlap(state, decision);
    runIds = [];
    runsCreated += 1;
    rows.push({ id, schedule_id: schedule.id, scheduled_for: dueSlot.slot, outcome: 'created', buffered: decision === 'buffer' });
  }
  if (schedule.max_runs !== null && runsCreated >= schedule.max_runs) slot = null;
  return { schedule, rows, cancels, nextSlot: slot, nextFireAt: slot && fireAt(slot) };
}
