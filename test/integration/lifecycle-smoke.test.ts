import { randomUUID } from 'node:crypto';
import { QUEUE_BACKENDS, requestJson, startTestApi, startTestWorker, waitForRun, type TestApi, type TestWorker } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';
import { openTestQueues } from '../support/test-queues.js';

describe.each(QUEUE_BACKENDS)('lifecycle smoke on %s', (backend) => {
  let api: TestApi;
  let worker: TestWorker;
  let key: string;
  const project = randomUUID();
  beforeAll(async () => {
    api = await startTestApi({ backend });
    key = await api.createKey([project]);
    worker = await startTestWorker(api, {
      task: {
        ok: (run, ctx) => ({ output: { target: run.target, attempt: ctx.attempt } }),
        flaky: (_run, ctx) => {
          if (ctx.attempt < 2) throw Object.assign(new Error('boom'), { code: 'flaky' });
          return { output: 'second time lucky' };
        },
        approve: (_run, ctx) => (ctx.resume ? { output: ctx.resume.data } : ctx.wait('approval')),
        hang: (_run, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
      },
    });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const create = async (target: string, extra: Record<string, unknown> = {}) => {
    const response = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target, ...extra } },
    });
    expect(response.status).toBe(202);
    return response.body.run.run_id as string;
  };

  it('when a task is created, then a worker completes it', async () => {
    const id = await create('ok');
    const run = await waitForRun(api, key, id, (r) => r.status === 'completed');
    expect(run.output).toEqual({ target: 'ok', attempt: 1 });
  });

  it('when a run completes, then its finished job stays on the queue on Redis and is gone on PostgreSQL', async () => {
    const id = await create('ok');
    await waitForRun(api, key, id, (r) => r.status === 'completed');
    const queues = openTestQueues(api);
    try {
      // The run is completed in Postgres before its job is finished on the queue: poll until the job has settled.
      const state = async () => (await queues.jobState('task', id)) ?? 'gone';
      const settled = await pollUntil(state, (current) => current === 'completed' || current === 'gone', { timeoutMs: 15_000, intervalMs: 25 });
      expect(settled.value).toBe(queues.backendKind === 'postgres' ? 'gone' : 'completed');
    } finally {
      await queues.close();
    }
  });

  it('when the first attempt throws and a retry is allowed, then the second attempt completes', async () => {
    const id = await create('flaky', { backoff_limit: 1 });
    const run = await waitForRun(api, key, id, (r) => r.status === 'completed');
    expect(run.output).toBe('second time lucky');
    const events = await requestJson(api.url, 'GET', `/runs/${id}/events`, { key });
    expect(events.body.data.map((e: any) => e.to_status)).toEqual(['pending', 'running', 'pending', 'running', 'completed']);
  });

  it('when a handler waits, then resume completes it with the data', async () => {
    const id = await create('approve');
    await waitForRun(api, key, id, (r) => r.status === 'waiting' && r.waiting_reason === 'approval');
    const resumed = await requestJson(api.url, 'POST', `/runs/${id}/resume`, { key, body: { data: { ok: 1 } } });
    expect(resumed.status).toBe(200);
    const run = await waitForRun(api, key, id, (r) => r.status === 'completed');
    expect(run.output).toEqual({ ok: 1 });
  });

  it('when a running run is cancelled, then it is cancelled', async () => {
    const id = await create('hang');
    await waitForRun(api, key, id, (r) => r.status === 'running');
    const cancelled = await requestJson(api.url, 'POST', `/runs/${id}/cancel`, { key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });
});
