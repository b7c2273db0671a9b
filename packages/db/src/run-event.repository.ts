import { sql } from 'kysely';
import { statusesBefore, TRANSITIONS } from '@runq/runs';
import type { Db } from './database.js';
import type { RunEventRow } from './run-event.table.js';

/** The events of a run in order, optionally only those after `afterSeq`. */
export async function listRunEvents(db: Db, runId: string, afterSeq = 0): Promise<RunEventRow[]> {
  return db.selectFrom('run_events').selectAll().where('run_id', '=', runId).where('seq', '>', afterSeq).orderBy('seq').execute();
}

/**
 * Adds `data`'s fields to the data of event `seq` of a run. Only for the transaction that wrote
 * the event, before it commits (admission records why a new run is held on its first event):
 * a committed event is never changed.
 */
export async function addEventData(trx: Db, runId: string, seq: number, data: Record<string, unknown>): Promise<void> {
  await trx
    .updateTable('run_events')
    .set({ data: sql`coalesce(data, '{}'::jsonb) || ${JSON.stringify(data)}::jsonb` })
    .where('run_id', '=', runId)
    .where('seq', '=', seq)
    .execute();
}

/**
 * How many times the run was sent back to `pending` after a failed attempt (its `retry`
 * transitions): the part of its retry budget already used. Attempts that ended in a wait or
 * were taken over after a crash are not counted.
 */
export async function countRetries(db: Db, runId: string): Promise<number> {
  const rule = TRANSITIONS.retry;
  const row = await db
    .selectFrom('run_events')
    .select((eb) => eb.fn.countAll<string>().as('retries'))
    .where('run_id', '=', runId)
    .where('from_status', 'in', statusesBefore('retry'))
    .where('to_status', '=', rule.to)
    .executeTakeFirstOrThrow();
  return Number(row.retries);
}
