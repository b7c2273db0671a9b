import { randomUUID } from 'node:crypto';
import type { ScheduleBody, SchedulePatchBody } from '@runq/contract';
import {
  databaseNow,
  deleteSchedule,
  findConversation,
  findSchedule,
  findScheduleByKey,
  insertSchedule,
  listOccurrences,
  listSchedules,
  notifySchedulesChanged,
  toJson,
  updateSchedule,
  type Db,
  type ScheduleListFilter,
  type ScheduleOccurrenceRow,
  type ScheduleRow,
  type ScheduleRowUpdate,
} from '@runq/db';
import { ConversationNotFoundError, ProjectNotFoundError, ScheduleKeyTakenError, ScheduleNotFoundError, upcomingFires } from '@runq/runs';
import type { RunActor } from './run-control.js';
import { boundsOf, firstFire, scheduleBodyOf, scheduleFields, specOf, type ScheduleFields } from './schedule-fields.js';
import type { ScheduleFirer } from './schedule-firer.js';

/** How many fire times `GET /schedules/{id}` shows. */
const UPCOMING = 5;

/**
 * The schedules of a project (`/schedules`): created, read, changed, paused, resumed, triggered
 * and deleted for an actor, scoped to its projects (another project's schedule is
 * {@link ScheduleNotFoundError}). Each change announces itself so that idle firers wake up.
 */
export class ScheduleControl {
  constructor(
    private readonly db: Db,
    private readonly firer: ScheduleFirer,
  ) {}

  /** Creates a schedule (its `key`, when given, unique in the project: {@link ScheduleKeyTakenError}). */
  async create(actor: RunActor, body: ScheduleBody): Promise<ScheduleRow> {
    return this.db.transaction().execute(async (trx) => {
      const now = await databaseNow(trx);
      const fields = scheduleFields(body, now);
      const projectId = await this.projectOf(trx, actor, fields.run);
      const id = randomUUID();
      const stored = await insertSchedule(trx, { id, project_id: projectId, ...columnsOf(fields), ...firstFire(id, fields, now, 0), created_by: actor.name });
      if (!stored) throw new ScheduleKeyTakenError(fields.key ?? '');
      await notifySchedulesChanged(trx);
      return stored;
    });
  }

  /** Creates the schedule with `key` in the run's project, or replaces every field of it (its state and occurrences stay). */
  async putByKey(actor: RunActor, key: string, body: ScheduleBody): Promise<{ schedule: ScheduleRow; created: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const now = await databaseNow(trx);
      const fields = scheduleFields({ ...body, key }, now);
      const projectId = await this.projectOf(trx, actor, fields.run);
      const existing = await findScheduleByKey(trx, projectId, key);
      if (existing) {
        const schedule = await updateSchedule(trx, existing.id, { ...columnsOf(fields), ...firstFire(existing.id, fields, now, existing.runs_created) });
        await notifySchedulesChanged(trx);
        return { schedule, created: false };
      }
      const id = randomUUID();
      const stored = await insertSchedule(trx, { id, project_id: projectId, ...columnsOf(fields), ...firstFire(id, fields, now, 0), created_by: actor.name });
      if (!stored) throw new ScheduleKeyTakenError(key);
      await notifySchedulesChanged(trx);
      return { schedule: stored, created: true };
    });
  }

  /** The schedule `id` of one of the actor's projects. */
  async get(actor: RunActor, id: string): Promise<ScheduleRow> {
    const schedule = await findSchedule(this.db, id, actor.projectIds);
    if (!schedule) throw new ScheduleNotFoundError(id);
    return schedule;
  }

  /** The actor's schedules, newest first. */
  async list(actor: RunActor, filter: Omit<ScheduleListFilter, 'projectIds'>): Promise<ScheduleRow[]> {
    return listSchedules(this.db, { ...filter, projectIds: actor.projectIds });
  }

  /** Changes fields of a schedule; its next fire time is recomputed from now. */
  async update(actor: RunActor, id: string, patch: SchedulePatchBody): Promise<ScheduleRow> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await findSchedule(trx, id, actor.projectIds, { forUpdate: true });
      if (!existing) throw new ScheduleNotFoundError(id);
      const now = await databaseNow(trx);
      const fields = scheduleFields({ ...scheduleBodyOf(existing), ...patch }, now);
      const projectId = await this.projectOf(trx, actor, fields.run);
      if (projectId !== existing.project_id) throw new ProjectNotFoundError(projectId);
      if (fields.key !== null && fields.key !== existing.key && (await findScheduleByKey(trx, projectId, fields.key)))
        throw new ScheduleKeyTakenError(fields.key);
      const schedule = await updateSchedule(trx, id, { ...columnsOf(fields), ...firstFire(id, fields, now, existing.runs_created) });
      await notifySchedulesChanged(trx);
      return schedule;
    });
  }

  /** Deletes a schedule; the runs it created stay. */
  async delete(actor: RunActor, id: string): Promise<void> {
    if (!(await deleteSchedule(this.db, id, actor.projectIds))) throw new ScheduleNotFoundError(id);
  }

  /** Stops a schedule firing; its next slot is kept for the missed policy to decide on resume. */
  async pause(actor: RunActor, id: string): Promise<ScheduleRow> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await findSchedule(trx, id, actor.projectIds, { forUpdate: true });
      if (!existing) throw new ScheduleNotFoundError(id);
      return existing.paused ? existing : updateSchedule(trx, id, { paused: true });
    });
  }

  /**
   * Resumes a paused schedule. Occurrences of the paused span are late from now on, so they fire
   * only as `missed` says (`skip`: none, `once`: the latest, `all`: those within the catch-up window).
   */
  async resume(actor: RunActor, id: string): Promise<ScheduleRow> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await findSchedule(trx, id, actor.projectIds, { forUpdate: true });
      if (!existing) throw new ScheduleNotFoundError(id);
      if (!existing.paused) return existing;
      const now = await databaseNow(trx);
      const schedule = await updateSchedule(trx, id, { paused: false, late_before: now });
      await notifySchedulesChanged(trx);
      return schedule;
    });
  }

  /** Fires an occurrence now (see {@link ScheduleFirer.trigger}). */
  trigger(actor: RunActor, id: string) {
    return this.firer.trigger(actor, id);
  }

  /** A page of a schedule's occurrences, latest first. */
  async occurrences(actor: RunActor, id: string, page: { before?: { scheduledFor: Date; id: string }; limit: number }): Promise<ScheduleOccurrenceRow[]> {
    await this.get(actor, id);
    return listOccurrences(this.db, id, page);
  }

  /** The project whose runs a schedule creates: the run owner's (the actor's, or 404). */
  private async projectOf(db: Db, actor: RunActor, run: Record<string, unknown>): Promise<string> {
    const owner = run['owner'] as { kind: string; id: string };
    const ownerId = owner.id.toLowerCase();
    if (owner.kind === 'project') {
      if (!actor.projectIds.includes(ownerId)) throw new ProjectNotFoundError(ownerId);
      return ownerId;
    }
    const conversation = await findConversation(db, ownerId, actor.projectIds);
    if (!conversation) throw new ConversationNotFoundError(ownerId);
    return conversation.project_id;
  }
}

/** The next `count` fire times of a schedule as it stands. */
export function upcomingOf(schedule: ScheduleRow, count = UPCOMING): Date[] {
  if (schedule.next_slot === null) return [];
  let remaining = count;
  if (schedule.max_runs !== null) remaining = Math.min(count, Math.max(0, schedule.max_runs - schedule.runs_created));
  return upcomingFires(
    specOf(schedule.spec),
    schedule.next_slot,
    boundsOf(schedule),
    { scheduleId: schedule.id, maxMs: Number(schedule.jitter_ms) },
    remaining,
  ).map((fire) => fire.fireAt);
}

/** The stored columns of a schedule's fields. */
function columnsOf(fields: ScheduleFields): ScheduleRowUpdate & {
  kind: ScheduleRow['kind'];
  spec: string | null;
  overlap: ScheduleRow['overlap'];
  missed: ScheduleRow['missed'];
  run: string | null;
  catchup_window_ms: number;
} {
  return {
    key: fields.key,
    kind: fields.kind,
    spec: toJson(fields.spec),
    start_at: fields.startAt,
    end_at: fields.endAt,
    max_runs: fields.maxRuns,
    jitter_ms: fields.jitterMs,
    overlap: fields.overlap,
    missed: fields.missed,
    catchup_window_ms: fields.catchupWindowMs,
    run_ttl_ms: fields.runTtlMs,
    paused: fields.paused,
    run: toJson(fields.run),
  };
}
