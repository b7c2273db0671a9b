import { sql } from 'kysely';
import pg from 'pg';
import { deleteFinishedRuns } from '@runq/db';
import { waitFor } from '@runq/local/testing';
import { statusPath } from '../support/event-log.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from '../support/harness.js';
import { RunClient } from '../support/run-client.js';

const DAY_MS = 86_400_000;

describe('retention of finished runs: one batch at a time', () => {
  let api: TestApi;
  let client: RunClient;

  beforeAll(async () => {
    api = await startTestApi({ backend: 'postgres' });
    client = await RunClient.open(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A run executed by its caller (no worker involved), reported finished as `outcome`. */
  const finishedRun = async (outcome: 'complete' | 'fail' | 'cancel', extra: Record<string, unknown> = {}) => {
    const run = await client.create({
      kind: 'agent',
      request: { mode: 'agent', agent_id: 'bot', implementation_kind: 'test', initial_status: 'running' },
      ...extra,
    });
    const body = outcome === 'fail' ? { error: { message: 'no' } } : outcome === 'complete' ? { output: 1 } : undefined;
    const response = await client.request('POST', `/runs/${run.run_id}/${outcome}`, body);
    expect(response.status).toBe(200);
    return run.run_id as string;
  };
  const unfinishedRun = async (extra: Record<string, unknown> = {}) =>
    (await client.create({ kind: 'agent', request: { mode: 'agent', agent_id: 'bot', implementation_kind: 'test', initial_status: 'running' }, ...extra }))
      .run_id as string;
  /** Pretends the run finished `daysAgo` days ago (plus `minutes`, to order runs of one test). */
  const finishedDaysAgo = async (runId: string, daysAgo: number, minutes = 0) => {
    await api.db
      .updateTable('runs')
      .set({ completed_at: new Date(Date.now() - daysAgo * DAY_MS - minutes * 60_000) })
      .where('id', '=', runId)
      .where('completed_at', 'is not', null)
      .execute();
  };
  const existing = async (ids: readonly string[]) =>
    (
      await api.db
        .selectFrom('runs')
        .select('id')
        .where('id', 'in', [...ids])
        .execute()
    )
      .map((row) => row.id)
      .sort();
  const eventCount = async (ids: readonly string[]) =>
    Number(
      (
        await api.db
          .selectFrom('run_events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('run_id', 'in', [...ids])
          .executeTakeFirstOrThrow()
      ).n,
    );
  const cutoff = () => new Date(Date.now() - 30 * DAY_MS);

  it('when finished runs are past the cut-off, then each batch deletes at most its limit, oldest first, with their events, and nothing younger or unfinished', async () => {
    const old = [
      await finishedRun('complete'),
      await finishedRun('fail'),
      await finishedRun('cancel'),
      await finishedRun('complete'),
      await finishedRun('complete'),
    ];
    for (const [index, runId] of old.entries()) await finishedDaysAgo(runId, 40, old.length - index); // old[0] is the oldest
    const recent = await finishedRun('complete');
    await finishedDaysAgo(recent, 29);
    const unfinished = await unfinishedRun();
    await api.db
      .updateTable('runs')
      .set({ created_at: new Date(Date.now() - 90 * DAY_MS) })
      .where('id', '=', unfinished)
      .execute();
    expect(await eventCount(old)).toBe(10);

    expect(await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 2 })).toBe(2);
    expect(await existing(old)).toEqual(old.slice(2).sort());
    expect(await eventCount(old.slice(0, 2))).toBe(0);
    expect(await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 2 })).toBe(2);
    expect(await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 2 })).toBe(1);
    expect(await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 2 })).toBe(0);

    expect(await existing(old)).toEqual([]);
    expect(await eventCount(old)).toBe(0);
    expect(await existing([recent, unfinished])).toEqual([recent, unfinished].sort());
    expect(statusPath(await client.validEvents(recent))).toEqual(['running', 'completed']);
  });

  it('when an expired run has children, then the tree goes leaves first, and a parent stays while a child is unfinished', async () => {
    const root = await unfinishedRun();
    const child = await unfinishedRun({ parent_run_id: root });
    const grandchild = await finishedRun('complete', { parent_run_id: child });
    for (const runId of [child, root]) expect((await client.request('POST', `/runs/${runId}/complete`, { output: 1 })).status).toBe(200);
    const keptParent = await unfinishedRun();
    const runningChild = await unfinishedRun({ parent_run_id: keptParent });
    expect((await client.request('POST', `/runs/${keptParent}/complete`, {})).status).toBe(200);
    for (const runId of [root, child, grandchild, keptParent]) await finishedDaysAgo(runId, 60);

    const tree = [root, child, grandchild];
    const deletedPerBatch: string[][] = [];
    let remaining = await existing(tree);
    while ((await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 100 })) > 0) {
      const now = await existing(tree);
      deletedPerBatch.push(remaining.filter((id) => !now.includes(id)));
      remaining = now;
    }
    expect(deletedPerBatch).toEqual([[grandchild], [child], [root]]);
    expect(await existing([keptParent, runningChild])).toEqual([keptParent, runningChild].sort());
  });

  it('when another transaction holds an expired run, then the batch skips it without waiting and a later batch deletes it', async () => {
    const held = await finishedRun('complete');
    const free = await finishedRun('complete');
    await finishedDaysAgo(held, 45, 1);
    await finishedDaysAgo(free, 45);
    const other = new pg.Client({ connectionString: api.database.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select id from runs where id = $1 for update', [held]);
      // Waiting for the held row would end in the batch's lock_timeout error, not in a count.
      expect(await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 10, lockTimeoutMs: 60_000 })).toBe(1);
      expect(await existing([held, free])).toEqual([held]);
      await other.query('commit');
    } finally {
      await other.end();
    }
    expect(await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 10 })).toBe(1);
    expect(await existing([held])).toEqual([]);
  });

  it('when a conversation message started an expired run, then the run goes and the message stays without its link', async () => {
    const created = await client.request('POST', '/runs', {
      kind: 'agent',
      owner: { kind: 'project', id: client.projectId },
      conversation_mode: 'create_new',
      request: {
        mode: 'agent',
        agent_id: 'chat',
        initial_status: 'running',
        input: { messages: [{ role: 'user', text: 'hi' }], context: { project_id: null, branch_id: null } },
      },
    });
    expect(created.status).toBe(202);
    const runId = created.body.run.run_id as string;
    const messageId = created.body.message_id as string;
    expect((await client.request('POST', `/runs/${runId}/complete`, {})).status).toBe(200);
    await finishedDaysAgo(runId, 31);

    expect(await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 10 })).toBe(1);
    expect(await existing([runId])).toEqual([]);
    const message = await api.db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
    expect(message).toMatchObject({
      run_id: null,
      role: 'user',
      content: { messages: [{ role: 'user', text: 'hi' }], context: { project_id: null, branch_id: null } },
    });
  });

  it('when retention works through a backlog while runs are being created, then every create is accepted, the backlog goes, and the new runs stay', async () => {
    const template = await finishedRun('complete');
    await finishedDaysAgo(template, 60);
    // 600 expired copies of it, events included, made in SQL (through the API this would take minutes).
    const BACKLOG = 600;
    const copy = (table: string, key: string, column: string) =>
      sql`insert into ${sql.table(table)}
        select (jsonb_populate_record(null::${sql.table(table)}, to_jsonb(t) || jsonb_build_object(${sql.lit(column)}, 'run_' || lpad(g::text, 26, '0')${sql.raw(
          table === 'runs' ? ", 'root_run_id', 'run_' || lpad(g::text, 26, '0'), 'job_id', 'run_' || lpad(g::text, 26, '0')" : '',
        )}))).*
        from ${sql.table(table)} t, generate_series(1, ${BACKLOG}) g where t.${sql.ref(key)} = ${template}`.execute(api.db);
    await copy('runs', 'id', 'id');
    await copy('run_events', 'run_id', 'run_id');
    expect(await eventCount([template])).toBe(2);

    // Retention as the reconciler runs it, batch after batch, while a client keeps creating runs.
    let deleting = true;
    const deletion = (async () => {
      let deleted = 0;
      try {
        for (let count = -1; count !== 0; deleted += count) count = await deleteFinishedRuns(api.db, { finishedBefore: cutoff(), limit: 50 });
      } finally {
        deleting = false;
      }
      return deleted;
    })();
    const createdMeanwhile: string[] = [];
    do createdMeanwhile.push(await unfinishedRun());
    while (deleting);
    createdMeanwhile.push(await finishedRun('complete'));

    expect(await deletion).toBe(BACKLOG + 1);
    const copies = Array.from({ length: BACKLOG }, (_, i) => `run_${String(i + 1).padStart(26, '0')}`);
    expect(await existing([template, ...copies])).toEqual([]);
    expect(await eventCount([template, ...copies])).toBe(0);
    expect(await existing(createdMeanwhile)).toEqual([...createdMeanwhile].sort());
    for (const runId of createdMeanwhile.slice(-2)) expect((await client.get(runId)).status).toMatch(/^(running|completed)$/);
  });

  it('when the batch query is explained, then it reads the finished-runs index instead of scanning the table', async () => {
    // The test table is tiny, so the planner is told not to prefer a sequential scan; the point is
    // that the index applies to the batch's predicate and order.
    const plan = await api.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return sql<{
        'QUERY PLAN': string;
      }>`explain select id from runs where status in ('completed', 'failed', 'cancelled') and completed_at < now() order by completed_at limit 10 for update skip locked`.execute(
        trx,
      );
    });
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('runs_finished_idx');
  });
});

describe('retention by the active reconciler', () => {
  let api: TestApi;
  let worker: TestWorker;
  let client: RunClient;

  beforeAll(async () => {
    api = await startTestApi({ backend: 'postgres' });
    client = await RunClient.open(api);
    worker = await startTestWorker(
      api,
      { task: { ok: () => ({ output: 'done' }), park: (_run, ctx) => ctx.wait('event') } },
      // 0.00003 days is 2.6 s: short enough to watch runs expire.
      { env: { RUNQ_RETENTION_DAYS: '0.00003', RUNQ_RETENTION_INTERVAL_MS: '200', RUNQ_RETENTION_BATCH: '2' } },
    );
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('when finished runs outlive RUNQ_RETENTION_DAYS, then the reconciler deletes them and their events in batches, and keeps unfinished runs', async () => {
    const runs = await Promise.all([1, 2, 3, 4, 5].map(() => client.task('ok')));
    const parked = await client.task('park');
    for (const run of runs) await client.waitForStatus(run.run_id, 'completed');
    await client.waitForStatus(parked.run_id, 'waiting');
    const ids = runs.map((run) => run.run_id as string);
    // Finished a moment ago: still there.
    expect((await api.db.selectFrom('runs').select('id').where('id', 'in', ids).execute()).length).toBe(5);

    await waitFor('the finished runs to be deleted', async () => (await api.db.selectFrom('runs').select('id').where('id', 'in', ids).execute()).length === 0, {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    expect(await api.db.selectFrom('run_events').select('run_id').where('run_id', 'in', ids).execute()).toEqual([]);
    expect((await client.get(parked.run_id)).status).toBe('waiting');
    const passes = worker.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'retention deleted finished runs');
    expect(passes.reduce((sum, line) => sum + line.deleted, 0)).toBe(5);
    expect(passes.reduce((sum, line) => sum + line.batches, 0)).toBeGreaterThanOrEqual(3);
    const gone = await client.request('GET', `/runs/${ids[0]}`);
    expect(gone.status).toBe(404);
  });
});
