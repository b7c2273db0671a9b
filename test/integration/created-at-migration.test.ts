import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { insertRuns, type NewRunRow } from '@runq/db';
import { runIdTime } from '@runq/runs';
import { encodeTime } from 'ulid';
import { up as alignCreatedAt } from '../../packages/db/migrations/2026_11_29_050000_created_at_from_run_id.js';
import { useOwnDatabase } from '../support/harness.js';
import { taskRunRow } from '../support/run-rows.js';

const PROJECT = randomUUID();

/** A run whose id carries `idTime` and whose created_at is `createdAt`, as runs stored before the migration could be. */
function storedRun(idTime: number, createdAt: Date, random: string): NewRunRow {
  return taskRunRow(`run_${encodeTime(idTime, 10)}${random}`, PROJECT, createdAt);
}

describe('migration 2026_11_29_050000_created_at_from_run_id', () => {
  const database = useOwnDatabase();

  it("when a stored run's created_at differs from its id's time, then it is set to the id's time and other runs keep theirs", async () => {
    const t = Date.UTC(2026, 10, 29, 9, 30, 15, 987);
    const aligned = storedRun(t, new Date(t), 'A'.repeat(16));
    // The clock stepped back 40 ms between reading the time and making the id.
    const stepped = storedRun(t + 40, new Date(t), 'B'.repeat(16));
    const late = storedRun(2 ** 48 - 1, new Date(t), 'C'.repeat(16));
    await insertRuns(
      database.db,
      [aligned, stepped, late].map((run) => ({ run })),
    );
    await alignCreatedAt(database.db);
    const rows = await database.db.selectFrom('runs').select(['id', 'created_at', 'updated_at']).where('project_id', '=', PROJECT).orderBy('id').execute();
    expect(rows.map((row) => [row.id, row.created_at.getTime()])).toEqual([
      [aligned.id, t],
      [stepped.id, t + 40],
      [late.id, 2 ** 48 - 1],
    ]);
    for (const row of rows) expect(row.created_at.getTime()).toBe(runIdTime(row.id));
    expect(rows.map((row) => row.updated_at.getTime())).toEqual([t, t, t]);
  });

  it('when it has run, then the creation-time index is gone (windows read the id indexes)', async () => {
    const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'runs'`.execute(database.db);
    expect(indexes.rows.map((row) => row.indexname)).not.toContain('runs_project_created_idx');
    expect(indexes.rows.map((row) => row.indexname)).toContain('runs_project_idx');
  });
});
