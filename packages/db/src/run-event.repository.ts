import type { Db } from './database.js';
import type { RunEventRow } from './run-event.table.js';

/** The events of a run in order, optionally only those after `afterSeq`. */
export async function listRunEvents(db: Db, runId: string, afterSeq = 0): Promise<RunEventRow[]> {
  return db
    .selectFrom('run_events')
    .selectAll()
    .where('run_id', '=', runId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute();
}
