import { sql } from 'kysely';
import type { Db } from './database.js';
import type { RunRow } from './run.table.js';

/**
 * The replays of run `runId` (runs whose `metadata.replay_of` names it), newest first; read
 * through `runs_replay_of_idx` (docs/decisions/0019-batches-and-bulk-actions.md).
 */
export async function listReplays(db: Db, runId: string, limit = 100): Promise<RunRow[]> {
  return (
    db
      .selectFrom('runs')
      .selectAll()
      // The `sql` tag: the expression must be written exactly as the index's for Postgres to use it.
      .where(sql<string>`metadata->>'replay_of'`, '=', runId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
  );
}
