import { sql } from 'kysely';
import type { Db } from './database.js';
import { inProjects } from './scope.js';
import type { NewScheduleRow, ScheduleOccurrenceRow, ScheduleRow, ScheduleRowUpdate } from './schedule.table.js';

/** The channel a schedule change is announced on: firers wake up and read the next fire time again. */
export const SCHEDULES_CHANNEL = 'runq_schedules';

/**
 * Inserts a schedule; undefined when its key is taken in its project (nothing is written).
 */
export async function insertSchedule(db: Db, row: NewScheduleRow): Promise<ScheduleRow | undefined> {
  return db
    .insertInto('schedules')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'key']).where('key', 'is not', null).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The schedule `id` if it belongs to one of `projectIds`; `forUpdate` locks its row until the transaction ends. */
export async function findSchedule(
  db: Db,
  id: string,
  projectIds: readonly string[] | 'all',
  options: { forUpdate?: boolean } = {},
): Promise<ScheduleRow | undefined> {
  if (projectIds !== 'all' && projectIds.length === 0) return undefined;
  let query = db.selectFrom('schedules').selectAll().where('id', '=', id);
  if (projectIds !== 'all') query = query.where('project_id', '=', inProjects(projectIds));
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The schedule with `key` in project `projectId`, its row locked until the transaction ends. */
export async function findScheduleByKey(db: Db, projectId: string, key: string): Promise<ScheduleRow | undefined> {
  return db.selectFrom('schedules').selectAll().where('project_id', '=', projectId).where('key', '=', key).forUpdate().executeTakeFirst();
}

/** Filters of {@link listSchedules}; `projectIds` `'all'` only for the operator's explorer. */
export interface ScheduleListFilter {
  projectIds: readonly string[] | 'all';
  paused?: boolean;
  kind?: string;
  /** Keyset position: schedules created before this one (newest first). */
  before?: { createdAt: Date; id: string };
  limit: number;
}

/** Schedules newest first. */
export async function listSchedules(db: Db, filter: ScheduleListFilter): Promise<ScheduleRow[]> {
  if (filter.projectIds !== 'all' && filter.projectIds.length === 0) return [];
  let query = db.selectFrom('schedules').selectAll();
  if (filter.projectIds !== 'all') query = query.where('project_id', '=', inProjects(filter.projectIds));
  if (filter.paused !== undefined) query = query.where('paused', '=', filter.paused);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind as ScheduleRow['kind']);
  const before = filter.before;
  if (before) query = query.where(sql<boolean>`(created_at, id) < (${before.createdAt}, ${before.id}::uuid)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Updates schedule `id` (already checked to be the caller's); the updated row. */
export async function updateSchedule(db: Db, id: string, update: ScheduleRowUpdate): Promise<ScheduleRow> {
  return db
    .updateTable('schedules')
    .set({ ...update, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes schedule `id` of one of `projectIds` with its occurrences (its runs stay); false when there was none. */
export async function deleteSchedule(db: Db, id: string, projectIds: readonly string[]): Promise<boolean> {
  if (projectIds.length === 0) return false;
  const result = await db.deleteFrom('schedules').where('id', '=', id).where('project_id', '=', inProjects(projectIds)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A schedule's occurrences, latest first; `before` continues after an occurrence of a previous page. */
export async function listOccurrences(
  db: Db,
  scheduleId: string,
  options: { before?: { scheduledFor: Date; id: string }; limit: number },
): Promise<ScheduleOccurrenceRow[]> {
  let query = db.selectFrom('schedule_occurrences').selectAll().where('schedule_id', '=', scheduleId);
  const before = options.before;
  if (before) query = query.where(sql<boolean>`(scheduled_for, id) < (${before.scheduledFor}, ${before.id}::uuid)`);
  return query.orderBy('scheduled_for', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/** The latest occurrence of each schedule in `scheduleIds` (the explorer's "last outcome"). */
export async function listLatestOccurrences(db: Db, scheduleIds: readonly string[]): Promise<ScheduleOccurrenceRow[]> {
  if (scheduleIds.length === 0) return [];
  return db
    .selectFrom('schedule_occurrences')
    .selectAll()
    .distinctOn('schedule_id')
    .where('schedule_id', 'in', [...scheduleIds])
    .orderBy('schedule_id')
    .orderBy('scheduled_for', 'desc')
    .execute();
}

/** Tells every firer, at commit, that a schedule changed (its next fire time may be sooner). */
export async function notifySchedulesChanged(db: Db): Promise<void> {
  await sql`select pg_notify(${SCHEDULES_CHANNEL}, '')`.execute(db);
}

/** Calls `onChanged` on every schedule change announced on {@link SCHEDULES_CHANNEL} (`client` is a dedicated session). */
export async function listenForScheduleChanges(
  client: { on(event: 'notification', listener: (message: { channel: string }) => void): unknown; query(text: string): Promise<unknown> },
  onChanged: () => void,
): Promise<void> {
  client.on('notification', (message) => {
    if (message.channel === SCHEDULES_CHANNEL) onChanged();
  });
  await client.query(`listen ${SCHEDULES_CHANNEL}`);
}
