import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createLogger } from '@runq/config';
import type { Db, RunRow } from '@runq/db';
import { BULK_CHUNK_FAILURE_LIMIT, BulkActionExecutor, RunAdmission, RunControl, RunIngest, RunReplay, type CreatedRun, type RunCreator } from '@runq/engine';
import type { RunQueues } from '@runq/queue';
import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { pollUntil } from '../support/poll.js';
import { expectFieldError, expectProblem } from '../support/run-api.js';
import { openTestQueues } from '../support/test-queues.js';

/** A creation window around everything a test made so far. */
const windowUntilNow = () => ({ created_after: new Date(Date.now() - 3_600_000).toISOString(), created_before: new Date(Date.now() + 1_000).toISOString() });

/** How many runs name each original as `replay_of`. */
async function replaysPerOriginal(db: Db, originals: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('runs')
    .select([sql<string>`metadata->>'replay_of'`.as('original'), (eb) => eb.fn.countAll<string>().as('count')])
    .where(sql<string>`metadata->>'replay_of'`, 'in', originals)
    .groupBy(sql`metadata->>'replay_of'`)
    .execute();
  return new Map(rows.map((row) => [row.original, Number(row.count)]));
}

describe.each(QUEUE_BACKENDS)('bulk actions on %s', (backend) => {
  const release = new Gates();
  const handlers: HandlerModule = {
    task: {
      'fails-until-replayed': async (run) => {
        const replayOf = (run.metadata as { replay_of?: string } | null)?.replay_of;
        if (!replayOf) throw Object.assign(new Error('not a replay'), { code: 'E_FIRST' });
        return { output: { replay_of: replayOf } };
      },
      // Fails with config.code unless it is a replay.
      'fails-with-code': async (run) => {
        const replayOf = (run.metadata as { replay_of?: string } | null)?.replay_of;
        if (!replayOf) throw Object.assign(new Error('failed on purpose'), { code: (run.config as { code: string }).code });
        return { output: { replay_of: replayOf } };
      },
      hold: async (run, ctx) => {
        await Promise.race([release.get(run.run_id).promise, new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))]);
        return { output: 'released' };
      },
    },
  };
  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: '20' }, afterEach: () => release.releaseAll() });

  async function waitForAction(id: string, status: string): Promise<any> {
    const result = await pollUntil(
      async () => (await suite.client.request('GET', `/bulk-actions/${id}`)).body,
      (body) => body.status === status,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    if (!result.done) throw new Error(`bulk action never became ${status}: ${JSON.stringify(result.value)}`);
    return result.value;
  }

  it('when a bulk action has no creation window, a bad action or a bad filter, then it is a 400 naming the field', async () => {
    const { created_after, created_before } = windowUntilNow();
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter: { created_before } }),
      '/filter/created_after',
      /required/,
    );
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter: { created_after } }),
      '/filter/created_before',
      /required/,
    );
    expectFieldError(await suite.client.request('POST', '/bulk-actions', { action: 'replay' }), '/filter');
    expectFieldError(await suite.client.request('POST', '/bulk-actions', { action: 'delete', filter: { created_after, created_before } }), '/action');
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'cancel', filter: { created_after, created_before, status: 'broken' } }),
      '/filter/status',
    );
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'cancel', filter: { created_after, created_before, limit: '5' } }),
      '/filter/limit',
    );
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'cancel', filter: { created_after: 'yesterday', created_before } }),
      '/filter/created_after',
    );
    expectFieldError(await suite.client.request('POST', '/bulk-actions', { action: 'cancel', id: 'nope', filter: { created_after, created_before } }), '/id');
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter: { created_after, created_before, error_code: '' } }),
      '/filter/error_code',
    );
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter: { created_after, created_before, error_code: 'E'.repeat(129) } }),
      '/filter/error_code',
    );
    expectFieldError(
      await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter: { created_after, created_before, error_code: 7 } }),
      '/filter/error_code',
    );
    const stored = await suite.api.db.selectFrom('bulk_actions').select('id').execute();
    expect(stored).toEqual([]);
  });

  it('when failed runs are bulk replayed, then each is replayed exactly once, progress is reported, and a repeat returns the same action', async () => {
    const originals = await Promise.all(Array.from({ length: 30 }, () => suite.client.task('fails-until-replayed')));
    await Promise.all(originals.map((run) => suite.client.waitForStatus(run.run_id, 'failed')));
    const filter = { ...windowUntilNow(), status: 'failed', kind: 'task' };
    const dry = await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter, dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual({ matched: 30 });
    expect(await suite.api.db.selectFrom('bulk_actions').select('id').execute()).toEqual([]);

    const id = randomUUID();
    const created = await suite.client.request('POST', '/bulk-actions', { id, action: 'replay', filter });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ id, action: 'replay', matched: 30 });
    const done = await waitForAction(id, 'completed');
    expect(done).toMatchObject({ matched: 30, processed: 30, succeeded: 30, failed: 0 });
    const counts = await replaysPerOriginal(
      suite.api.db,
      originals.map((run) => run.run_id),
    );
    expect([...counts.values()]).toEqual(Array.from({ length: 30 }, () => 1));
    expect(counts.size).toBe(30);
    // A repeat with the same id is the same action, and replays nothing more.
    const again = await suite.client.request('POST', '/bulk-actions', { id, action: 'replay', filter });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id, status: 'completed', processed: 30 });
    // Every replay runs from its original's stored request, and completes.
    const replays = await suite.client.request('GET', `/runs?${new URLSearchParams({ ...windowUntilNow(), kind: 'task', limit: '100' })}`);
    const replayIds = replays.body.data.filter((run: any) => run.metadata?.replay_of).map((run: any) => run.run_id);
    expect(replayIds).toHaveLength(30);
    await Promise.all(replayIds.map((runId: string) => suite.client.waitForStatus(runId, 'completed')));
  });

  it('when failed runs are filtered by error code, then GET /runs lists only that code and a bulk replay replays only those runs', async () => {
    // Codes of this test alone, so runs of the other tests never match.
    const [wanted, other] = [`E_WANTED_${randomUUID()}`, `E_OTHER_${randomUUID()}`];
    const matching = await Promise.all(Array.from({ length: 4 }, () => suite.client.task('fails-with-code', { config: { code: wanted } })));
    const others = await Promise.all(Array.from({ length: 3 }, () => suite.client.task('fails-with-code', { config: { code: other } })));
    await Promise.all([...matching, ...others].map((run) => suite.client.waitForStatus(run.run_id, 'failed')));

    const listed = await suite.client.request('GET', `/runs?${new URLSearchParams({ error_code: wanted, limit: '100' })}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((run: any) => run.run_id).sort()).toEqual(matching.map((run) => run.run_id).sort());
    expect(listed.body.data.every((run: any) => run.error?.code === wanted)).toBe(true);
    expectFieldError(await suite.client.request('GET', '/runs?error_code='), '/query/error_code');

    const filter = { ...windowUntilNow(), status: 'failed', error_code: wanted };
    const dry = await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter, dry_run: true });
    expect(dry.body).toEqual({ matched: 4 });
    const created = await suite.client.request('POST', '/bulk-actions', { action: 'replay', filter });
    expect(created.status).toBe(202);
    expect(created.body.filter).toEqual(filter);
    const done = await waitForAction(created.body.id, 'completed');
    expect(done).toMatchObject({ matched: 4, processed: 4, succeeded: 4, failed: 0 });
    const counts = await replaysPerOriginal(
      suite.api.db,
      [...matching, ...others].map((run) => run.run_id),
    );
    expect(matching.map((run) => counts.get(run.run_id))).toEqual([1, 1, 1, 1]);
    expect(others.map((run) => counts.get(run.run_id) ?? 0)).toEqual([0, 0, 0]);
  });

  it('when the same Idempotency-Key is sent twice, then one action is created', async () => {
    const key = `key-${randomUUID()}`;
    const body = { action: 'cancel', filter: { ...windowUntilNow(), status: 'pending', kind: 'eval' } };
    const first = await requestJson(suite.api.url, 'POST', '/bulk-actions', { key: suite.client.key, body, headers: { 'Idempotency-Key': key } });
    const second = await requestJson(suite.api.url, 'POST', '/bulk-actions', { key: suite.client.key, body, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    const other = await requestJson(suite.api.url, 'POST', '/bulk-actions', { key: suite.client.key, body, headers: { 'Idempotency-Key': `${key}-other` } });
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('when running runs are bulk cancelled, then they end cancelled and the action counts them', async () => {
    const runs = await Promise.all(Array.from({ length: 5 }, () => suite.client.task('hold')));
    await Promise.all(runs.map((run) => suite.client.waitForStatus(run.run_id, 'running')));
    const created = await suite.client.request('POST', '/bulk-actions', { action: 'cancel', filter: { ...windowUntilNow(), status: 'running' } });
    expect(created.status).toBe(202);
    const done = await waitForAction(created.body.id, 'completed');
    expect(done).toMatchObject({ matched: 5, processed: 5, succeeded: 5, failed: 0 });
    for (const run of runs) expect((await suite.client.get(run.run_id)).status).toBe('cancelled');
  });

  it('when another project reads or aborts an action, then it is 404', async () => {
    const created = await suite.client.request('POST', '/bulk-actions', { action: 'cancel', filter: { ...windowUntilNow(), kind: 'eval', status: 'pending' } });
    const otherKey = await suite.api.createKey([randomUUID()]);
    expectProblem(await requestJson(suite.api.url, 'GET', `/bulk-actions/${created.body.id}`, { key: otherKey }), 404, 'bulk_action_not_found');
    expectProblem(await requestJson(suite.api.url, 'POST', `/bulk-actions/${created.body.id}/abort`, { key: otherKey }), 404, 'bulk_action_not_found');
    expectProblem(await suite.client.request('GET', `/bulk-actions/${randomUUID()}`), 404, 'bulk_action_not_found');
    expectProblem(await suite.client.request('GET', '/bulk-actions/not-a-uuid'), 404, 'bulk_action_not_found');
  });
});

/** The operator pages' basic auth. */
const ADMIN_TOKEN = `admin-${randomUUID()}`;
const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;

describe('bulk action executor', () => {
  let api: TestApi;
  let key: string;
  let queues: RunQueues;
  let ingest: RunIngest;
  let control: RunControl;
  const projectId = randomUUID();
  const log = createLogger({ level: 'error', service: 'test' });

  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    key = await api.createKey([projectId]);
    queues = openTestQueues(api);
    const admission = new RunAdmission(api.db, queues, log);
    ingest = new RunIngest(api.db, queues, log, admission);
    control = new RunControl(api.db, queues, log, admission);
  });
  afterAll(async () => {
    await queues.close();
    await api.close();
  });

  /** Failed agent runs (executed by their caller, so no worker is needed), oldest first. */
  async function failedRuns(count: number, agentId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const created = await requestJson(api.url, 'POST', '/runs', {
        key,
        body: {
          kind: 'agent',
          owner: { kind: 'project', id: projectId },
          request: { mode: 'agent', agent_id: agentId, implementation_kind: 'k', initial_status: 'running' },
        },
      });
      const failed = await requestJson(api.url, 'POST', `/runs/${created.body.run.run_id}/fail`, { key, body: { error: { message: 'boom', code: 'E_BOOM' } } });
      expect(failed.body.status).toBe('failed');
      ids.push(created.body.run.run_id);
    }
    return ids;
  }

  /** Starts a bulk replay of the failed runs created since `since`. */
  async function startReplay(since: Date): Promise<string> {
    const filter = { created_after: since.toISOString(), created_before: new Date(Date.now() + 1_000).toISOString(), status: 'failed' };
    const created = await requestJson(api.url, 'POST', '/bulk-actions', { key, body: { action: 'replay', filter } });
    expect(created.status).toBe(202);
    return created.body.id;
  }

  it('when a process dies after replaying a chunk but before saving its cursor, then the chunk is redone and each original is still replayed once', async () => {
    const since = new Date(Date.now() - 1);
    const originals = await failedRuns(7, 'crash');
    const id = await startReplay(since);
    /** A replay that stores the chunk's replays, then dies before the cursor is saved. */
    class DyingReplay extends RunReplay {
      override async replayRuns(
        caller: RunCreator,
        runs: readonly RunRow[],
        publicIdOf: (run: RunRow) => string | undefined,
      ): Promise<PromiseSettledResult<CreatedRun>[]> {
        await super.replayRuns(caller, runs, publicIdOf);
        throw new Error('process died');
      }
    }
    const dying = new BulkActionExecutor(api.db, control, new DyingReplay(api.db, ingest), log, undefined, 3);
    await expect(dying.step()).rejects.toThrow('process died');
    const afterCrash = await api.db.selectFrom('bulk_actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(afterCrash).toMatchObject({ processed: 0, cursor_id: null, status: 'queued' });
    expect([...(await replaysPerOriginal(api.db, originals)).values()]).toEqual([1, 1, 1]);

    const executor = new BulkActionExecutor(api.db, control, new RunReplay(api.db, ingest), log, undefined, 3);
    await executor.drain();
    const done = await api.db.selectFrom('bulk_actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: 'completed', matched: 7, processed: 7, succeeded: 7, failed: 0, cursor_id: originals.at(-1) });
    const counts = await replaysPerOriginal(api.db, originals);
    expect(originals.map((original) => counts.get(original))).toEqual(originals.map(() => 1));
  });

  /** A replay whose calls, in order, throw the planned error or (undefined) replay as usual; as usual once the plan is spent. */
  function plannedReplay(plan: (Error | undefined)[]): RunReplay {
    return new (class extends RunReplay {
      override async replayRuns(
        caller: RunCreator,
        runs: readonly RunRow[],
        publicIdOf: (run: RunRow) => string | undefined,
      ): Promise<PromiseSettledResult<CreatedRun>[]> {
        const error = plan.shift();
        if (error) throw error;
        return super.replayRuns(caller, runs, publicIdOf);
      }
    })(api.db, ingest);
  }

  const getAction = async (id: string) => (await requestJson(api.url, 'GET', `/bulk-actions/${id}`, { key })).body;

  it("when an action's next chunk fails on every pass, then after the bound it is failed with the reason in GET /bulk-actions and the explorer, and is left alone", async () => {
    const since = new Date(Date.now() - 1);
    const originals = await failedRuns(4, 'poison');
    const id = await startReplay(since);
    const broken = new BulkActionExecutor(
      api.db,
      control,
      plannedReplay(Array.from({ length: 10 }, () => new Error('the stored request cannot be read'))),
      log,
      undefined,
      3,
    );
    for (let pass = 1; pass < BULK_CHUNK_FAILURE_LIMIT; pass += 1) {
      await expect(broken.step()).rejects.toThrow('the stored request cannot be read');
      expect(await getAction(id)).toMatchObject({ status: 'queued', processed: 0, error: 'the stored request cannot be read' });
    }
    const last = await broken.step();
    expect(last).toMatchObject({ action: { id, status: 'failed' }, succeeded: 0, failed: 0 });
    const failed = await getAction(id);
    expect(failed).toMatchObject({ status: 'failed', processed: 0, succeeded: 0 });
    expect(failed.error).toBe(`the next chunk failed ${BULK_CHUNK_FAILURE_LIMIT} times in a row; the last error: the stored request cannot be read`);
    // A failed action is final: no executor takes it again, and nothing was replayed.
    const healthy = new BulkActionExecutor(api.db, control, new RunReplay(api.db, ingest), log, undefined, 3);
    await healthy.drain();
    expect(await getAction(id)).toMatchObject({ status: 'failed', processed: 0 });
    expect((await replaysPerOriginal(api.db, originals)).size).toBe(0);
    // The operator's dead letters view lists it with the reason.
    const page = await fetch(`${api.url}/admin/dead-letters`, { headers: { authorization: ADMIN_AUTH } });
    expect(page.status).toBe(200);
    const row = new RegExp(`<tr class="bulk-action" data-action="${id}" data-status="failed">[\\s\\S]*?<td class="error">([^<]*)</td>`).exec(await page.text());
    expect(row?.[1]).toBe(failed.error);
  });

  it('when passes fail on an outage, or fail fewer times in a row than the bound, then the action is not failed and completes', async () => {
    const since = new Date(Date.now() - 1);
    const originals = await failedRuns(4, 'transient');
    const id = await startReplay(since);
    const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const failure = () => new Error('a transient failure');
    const below = BULK_CHUNK_FAILURE_LIMIT - 1;
    const plan = [
      // Outages are not counted, however many.
      ...Array.from({ length: BULK_CHUNK_FAILURE_LIMIT + 1 }, outage),
      // One fewer failure than the bound, then a chunk that succeeds: the count starts again.
      ...Array.from({ length: below }, failure),
      undefined,
      ...Array.from({ length: below }, failure),
    ];
    const executor = new BulkActionExecutor(api.db, control, plannedReplay(plan), log, undefined, 3);
    for (let pass = 0; pass <= BULK_CHUNK_FAILURE_LIMIT; pass += 1) await expect(executor.step()).rejects.toThrow('ECONNREFUSED');
    const counted = () => api.db.selectFrom('bulk_actions').select(['status', 'chunk_failures', 'error']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(await counted()).toEqual({ status: 'queued', chunk_failures: 0, error: null });
    for (let pass = 0; pass < below; pass += 1) await expect(executor.step()).rejects.toThrow('a transient failure');
    expect(await counted()).toEqual({ status: 'queued', chunk_failures: below, error: 'a transient failure' });
    expect(await executor.step()).toMatchObject({ action: { id, status: 'running', processed: 3 } });
    expect(await counted()).toEqual({ status: 'running', chunk_failures: 0, error: null });
    for (let pass = 0; pass < below; pass += 1) await expect(executor.step()).rejects.toThrow('a transient failure');
    await executor.drain();
    expect(await getAction(id)).toMatchObject({ status: 'completed', processed: 4, succeeded: 4, failed: 0, error: null });
    const counts = await replaysPerOriginal(api.db, originals);
    expect(originals.map((original) => counts.get(original))).toEqual([1, 1, 1, 1]);
  });

  it('when an action is aborted between chunks, then no further chunk is handled and its progress stays', async () => {
    const since = new Date(Date.now() - 1);
    const originals = await failedRuns(6, 'abort');
    const id = await startReplay(since);
    const executor = new BulkActionExecutor(api.db, control, new RunReplay(api.db, ingest), log, undefined, 2);
    const first = await executor.step();
    expect(first?.action).toMatchObject({ id, status: 'running', processed: 2, cursor_id: originals[1] });
    const aborted = await requestJson(api.url, 'POST', `/bulk-actions/${id}/abort`, { key });
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ status: 'aborted', processed: 2 });
    expect(await executor.step()).toBeUndefined();
    const counts = await replaysPerOriginal(api.db, originals);
    expect(counts.size).toBe(2);
    // Aborting a finished action changes nothing.
    expect((await requestJson(api.url, 'POST', `/bulk-actions/${id}/abort`, { key })).body.status).toBe('aborted');
  });
});
