import { randomUUID } from 'node:crypto';
import { countBacklog, insertRuns, readRunOverview } from '@runq/db';
import { newRunId, runIdTime } from '@runq/runs';
import { useOwnDatabase } from '../support/harness.js';
import { taskRunRow } from '../support/run-rows.js';

const MINUTE = 60_000;
const minuteOf = (ms: number) => new Date(Math.floor(ms / MINUTE) * MINUTE);

describe('operator overview reads (readRunOverview, countBacklog)', () => {
  const database = useOwnDatabase();

  it("when runs were created, started and finished inside and outside the last hour, then only the hour's are counted, per minute, kind and project", async () => {
    const { db } = database;
    const until = new Date(Math.ceil(Date.now() / MINUTE) * MINUTE);
    const busy = randomUUID();
    const quiet = randomUUID();
    const at = (minutesAgo: number) => until.getTime() - minutesAgo * MINUTE + 1_000;
    // Oldest first: run ids are monotonic (an id made for an earlier time gets the last id's time).
    const old = newRunId(at(120));
    const earlier = newRunId(at(30));
    const recent = [newRunId(at(10)), newRunId(at(10) + 5), earlier];
    await insertRuns(db, [
      { run: taskRunRow(recent[0]!, busy) },
      { run: taskRunRow(recent[1]!, busy) },
      { run: taskRunRow(recent[2]!, quiet) },
      { run: taskRunRow(old, quiet) },
    ]);
    // Started 100 ms and 300 ms after creation (a run's creation time is its id's); the first
    // completed, the second failed, a minute later.
    const started = (id: string, ms: number) =>
      db
        .updateTable('runs')
        .set({ started_at: new Date(runIdTime(id) + ms) })
        .where('id', '=', id)
        .execute();
    await started(recent[0]!, 100);
    await started(recent[1]!, 300);
    await db
      .updateTable('runs')
      .set({ status: 'completed', completed_at: new Date(at(9)) })
      .where('id', '=', recent[0]!)
      .execute();
    await db
      .updateTable('runs')
      .set({ status: 'failed', completed_at: new Date(at(9)) })
      .where('id', '=', recent[1]!)
      .execute();
    await db
      .updateTable('runs')
      .set({ status: 'completed', completed_at: new Date(at(119)) })
      .where('id', '=', old)
      .execute();

    const overview = await readRunOverview(db, { until, windowMs: 60 * MINUTE, topProjects: 1 });
    expect(overview.since).toEqual(new Date(until.getTime() - 60 * MINUTE));
    const byMinute = (rows: { minute: Date; kind: string; count: number }[]) => rows.map((row) => [row.minute.toISOString(), row.kind, row.count]).sort();
    expect(byMinute(overview.created)).toEqual(
      [
        [minuteOf(at(30)).toISOString(), 'task', 1],
        [minuteOf(at(10)).toISOString(), 'task', 2],
      ].sort(),
    );
    expect(byMinute(overview.completed)).toEqual([[minuteOf(at(9)).toISOString(), 'task', 1]]);
    expect(byMinute(overview.failed)).toEqual([[minuteOf(at(9)).toISOString(), 'task', 1]]);
    // The two started runs of that minute waited 100 and 300 ms: interpolated percentiles.
    expect(overview.queueWait).toHaveLength(1);
    const [wait] = overview.queueWait;
    expect(wait!.minute).toEqual(minuteOf(at(10)));
    expect(wait!.started).toBe(2);
    expect(wait!.p50Ms).toBeCloseTo(200, 6);
    expect(wait!.p95Ms).toBeCloseTo(290, 6);
    expect(overview.busiestProjects).toEqual([{ projectId: busy, count: 2 }]);
  });

  it('when pending runs of several kinds wait, some held by flow control, then the backlog counts them per kind and leaves out the rest', async () => {
    const { db } = database;
    const project = randomUUID();
    const ids = [newRunId(), newRunId(), newRunId(), newRunId()];
    await insertRuns(
      db,
      ids.map((id) => ({ run: taskRunRow(id, project) })),
    );
    await db.updateTable('runs').set({ kind: 'eval' }).where('id', '=', ids[3]!).execute();
    await db.updateTable('runs').set({ hold_reason: 'concurrency' }).where('id', '=', ids[2]!).execute();
    const before = new Map((await countBacklog(db)).map((row) => [row.kind, row]));
    await db.updateTable('runs').set({ status: 'running' }).where('id', '=', ids[0]!).execute();
    const after = new Map((await countBacklog(db)).map((row) => [row.kind, row]));
    expect(after.get('task')!.pending).toBe(before.get('task')!.pending - 1);
    expect(after.get('task')!.held).toBe(before.get('task')!.held);
    expect(after.get('eval')).toEqual({ kind: 'eval', pending: before.get('eval')!.pending, held: before.get('eval')!.held });
    expect(before.get('eval')!.pending).toBeGreaterThanOrEqual(1);
    expect(before.get('task')!.held).toBeGreaterThanOrEqual(1);
  });
});
