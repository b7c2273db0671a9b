import { randomUUID } from 'node:crypto';
import type { HandlerModule } from '@runq/worker';
import { QUEUE_BACKENDS, requestJson } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { pollUntil } from '../support/poll.js';
import { expectFieldError, expectProblem, isProblemDocument } from '../support/run-api.js';

describe.each(QUEUE_BACKENDS)('batches and replays on %s', (backend) => {
  const handlers: HandlerModule = {
    task: {
      quick: async () => ({ output: 'quick' }),
      // Fails its first run; a replay of it (metadata.replay_of set) completes.
      'fails-until-replayed': async (run) => {
        const replayOf = (run.metadata as { replay_of?: string } | null)?.replay_of;
        if (!replayOf) throw Object.assign(new Error('not a replay'), { code: 'E_FIRST' });
        return { output: { replay_of: replayOf } };
      },
    },
  };
  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: '20' } });
  const owner = () => ({ kind: 'project', id: suite.client.projectId });
  const task = (target: string, extra: Record<string, unknown> = {}) => ({ kind: 'task', owner: owner(), request: { target }, ...extra });

  async function postBatch(items: unknown[], key = suite.client.key) {
    return requestJson(suite.api.url, 'POST', '/batches', { key, body: { items } });
  }

  async function batchProgress(batchId: string, key = suite.client.key) {
    return requestJson(suite.api.url, 'GET', `/batches/${batchId}`, { key });
  }

  it('when a batch of 1,000 items is posted, then every item is created with the batch id, dispatched, and the batch reports done', async () => {
    const items = Array.from({ length: 1_000 }, (_, index) => task('quick', { public_id: `bulk-${randomUUID()}-${index}` }));
    const response = await postBatch(items);
    expect(response.status).toBe(202);
    const { batch_id: batchId, items: results } = response.body;
    expect(results).toHaveLength(1_000);
    results.forEach((result: any, index: number) => {
      expect(result).toMatchObject({ index, status: 'created', run: { batch_id: batchId } });
    });
    expect(new Set(results.map((result: any) => result.run.run_id)).size).toBe(1_000);
    const progress = await pollUntil(
      async () => (await batchProgress(batchId)).body,
      (body) => body.done === true,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(progress.done).toBe(true);
    expect(progress.value).toEqual({
      batch_id: batchId,
      total: 1_000,
      counts: { pending: 0, running: 0, waiting: 0, completed: 1_000, failed: 0, cancelled: 0 },
      done: true,
    });
    const listed = await suite.client.request('GET', `/runs?batch_id=${batchId}&limit=5`);
    expect(listed.body.data).toHaveLength(5);
  });

  it("when items are invalid, duplicated or not the caller's, then each gets its own outcome and problem, and only valid new items are created", async () => {
    const existingId = `existing-${randomUUID()}`;
    const existing = await suite.client.task('quick', {}, { public_id: existingId });
    const shared = `shared-${randomUUID()}`;
    const items = [
      task('quick'),
      { kind: 'task', owner: owner(), request: {} },
      task('quick', { owner: { kind: 'project', id: randomUUID() } }),
      task('quick', { public_id: existingId }),
      task('other', { public_id: existingId }),
      task('quick', { public_id: shared }),
      task('quick', { public_id: shared }),
    ];
    const response = await postBatch(items);
    expect(response.status).toBe(202);
    const results = response.body.items;
    expect(results.map((result: any) => result.status)).toEqual(['created', 'rejected', 'rejected', 'duplicate', 'rejected', 'created', 'duplicate']);
    // A rejected item carries the problem a single POST /runs of it would have answered.
    const single = await suite.client.request('POST', '/runs', items[1]);
    expect(single.status).toBe(400);
    expect(isProblemDocument(results[1].problem, 400)).toBe(true);
    expect(results[1].problem).toMatchObject({ code: 'validation_error', errors: single.body.errors });
    expect(isProblemDocument(results[2].problem, 404)).toBe(true);
    expect(results[2].problem.code).toBe('project_not_found');
    expect(results[3].run.run_id).toBe(existing.run_id);
    expect(isProblemDocument(results[4].problem, 409)).toBe(true);
    expect(results[4].problem.code).toBe('idempotency_conflict');
    expect(results[6].run.run_id).toBe(results[5].run.run_id);
    // The batch counts the two runs it created; the duplicate of an older run stays in no batch.
    const progress = await pollUntil(
      async () => (await batchProgress(response.body.batch_id)).body,
      (body) => body.done === true,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(progress.value).toMatchObject({ total: 2, counts: { completed: 2 }, done: true });
    expect((await suite.client.get(existing.run_id)).batch_id).toBeNull();
  });

  it('when a batch has no items, too many, or none at all, then it is a 400 naming items and nothing is created', async () => {
    const before = await suite.api.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    expectFieldError(await postBatch([]), '/items', /at least 1/);
    expectFieldError(await postBatch(Array.from({ length: 1_001 }, () => task('quick'))), '/items', /at most 1000/);
    expectFieldError(await requestJson(suite.api.url, 'POST', '/batches', { key: suite.client.key, body: { item: [] } }), '/items', /required/);
    expectFieldError(await requestJson(suite.api.url, 'POST', '/batches', { key: suite.client.key, body: [task('quick')] }), '/items');
    const after = await suite.api.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    expect(after.count).toBe(before.count);
  });

  it('when another project reads a batch, then it is 404 as for a batch that does not exist', async () => {
    const response = await postBatch([task('quick')]);
    const otherKey = await suite.api.createKey([randomUUID()]);
    expectProblem(await batchProgress(response.body.batch_id, otherKey), 404, 'batch_not_found');
    expectProblem(await batchProgress(randomUUID()), 404, 'batch_not_found');
    expectProblem(await batchProgress('not-a-uuid'), 404, 'batch_not_found');
    expect((await batchProgress(response.body.batch_id)).status).toBe(200);
  });

  it('when a failed run is replayed, then a new manual run from its stored request completes and names its original', async () => {
    const original = await suite.client.task('fails-until-replayed', {}, { public_id: `replayed-${randomUUID()}` });
    await suite.client.waitForStatus(original.run_id, 'failed');
    const response = await suite.client.request('POST', `/runs/${original.run_id}/replay`);
    expect(response.status).toBe(202);
    const replay = response.body.run;
    expect(replay.run_id).not.toBe(original.run_id);
    expect(replay).toMatchObject({ trigger_kind: 'manual', trigger_id: original.run_id, metadata: { replay_of: original.run_id } });
    const done = await suite.client.waitForStatus(replay.run_id, 'completed');
    expect(done.output).toEqual({ replay_of: original.run_id });
    // A second replay is another new run.
    const again = await suite.client.request('POST', `/runs/${original.run_id}/replay`);
    expect(again.status).toBe(202);
    expect(again.body.run.run_id).not.toBe(replay.run_id);
  });

  it('when an unfinished or hidden run is replayed, then it is 409 or 404', async () => {
    const running = await suite.client.agent('agent-a', { initial_status: 'running' });
    expectProblem(await suite.client.request('POST', `/runs/${running.run_id}/replay`), 409, 'invalid_transition');
    const otherKey = await suite.api.createKey([randomUUID()]);
    const hidden = await requestJson(suite.api.url, 'POST', `/runs/${running.run_id}/replay`, { key: otherKey });
    expectProblem(hidden, 404, 'run_not_found');
    expectProblem(await suite.client.request('POST', '/runs/run_nope/replay'), 404, 'run_not_found');
  });
});
