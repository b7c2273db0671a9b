import { randomUUID } from 'node:crypto';
import { findFreePort } from '@runq/local';
import { requestJson, startTestApi, startTestWorker, waitForRun, type TestApi, type TestWorker } from '../support/harness.js';
import { hasSample, sample } from '../support/prometheus.js';

describe('metrics', () => {
  let api: TestApi;
  let worker: TestWorker;
  let key: string;
  const project = randomUUID();
  const scrape = async (url: string) => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.createKey([project]);
    worker = await startTestWorker(
      api,
      { task: { ok: () => ({ output: 1 }), approve: (_run, ctx) => (ctx.resume ? { output: 2 } : ctx.wait('approval')) } },
      { env: { RUNQ_WORKER_METRICS_PORT: String(await findFreePort()) } },
    );
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const create = async (target: string) =>
    (await requestJson(api.url, 'POST', '/runs', { key, body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target } } })).body.run
      .run_id as string;

  it('when nothing has run yet, then the API and worker expose every kind at 0', async () => {
    const fresh = [await scrape(api.url), await scrape(worker.pool.metricsUrl ?? '')];
    for (const text of fresh) {
      for (const kind of ['agent', 'workflow', 'task', 'eval']) {
        const zero = (name: string, labels: Record<string, string>) => {
          expect(hasSample(text, name, { kind, ...labels })).toBe(true);
          expect(sample(text, name, { kind, ...labels })).toBe(0);
        };
        zero('runq_runs_created_total', {});
        zero('runq_run_attempts_total', {});
        zero('runq_run_retries_total', {});
        zero('runq_run_queue_wait_seconds_count', {});
        zero('runq_run_duration_seconds_count', { status: 'failed' });
        zero('runq_run_transitions_total', { from: 'running', to: 'completed' });
      }
    }
  });

  it('when runs are created and finish, then the API and worker counters move', async () => {
    const apiBefore = await scrape(api.url);
    const workerBefore = await scrape(worker.pool.metricsUrl ?? '');
    const ids = [await create('ok'), await create('ok'), await create('ok')];
    for (const id of ids) await waitForRun(api, key, id, (run) => run.status === 'completed');
    const apiAfter = await scrape(api.url);
    const workerAfter = await scrape(worker.pool.metricsUrl ?? '');
    expect(sample(apiAfter, 'runq_runs_created_total', { kind: 'task' }) - sample(apiBefore, 'runq_runs_created_total', { kind: 'task' })).toBe(3);
    const completed = { kind: 'task', from: 'running', to: 'completed' };
    expect(sample(workerAfter, 'runq_run_transitions_total', completed) - sample(workerBefore, 'runq_run_transitions_total', completed)).toBe(3);
    expect(sample(workerAfter, 'runq_run_attempts_total', { kind: 'task' }) - sample(workerBefore, 'runq_run_attempts_total', { kind: 'task' })).toBe(3);
    expect(sample(workerAfter, 'runq_run_queue_wait_seconds_count', { kind: 'task' })).toBeGreaterThanOrEqual(3);
    expect(sample(workerAfter, 'runq_run_duration_seconds_count', { kind: 'task', status: 'completed' })).toBeGreaterThanOrEqual(3);
    expect(sample(apiAfter, 'runq_http_request_duration_seconds_count', { route: '/runs', method: 'POST', status: '202' })).toBeGreaterThanOrEqual(3);
    expect(apiAfter).toContain('process_resident_memory_bytes');
  });

  it('when a run waits, then the unfinished-runs gauge shows it until it is resumed', async () => {
    const id = await create('approve');
    await waitForRun(api, key, id, (run) => run.status === 'waiting');
    expect(sample(await scrape(api.url), 'runq_runs', { kind: 'task', status: 'waiting' })).toBe(1);
    await requestJson(api.url, 'POST', `/runs/${id}/resume`, { key, body: { data: null } });
    await waitForRun(api, key, id, (run) => run.status === 'completed');
    expect(sample(await scrape(api.url), 'runq_runs', { kind: 'task', status: 'waiting' })).toBe(0);
    expect(await scrape(api.url)).toMatch(/runq_queue_jobs\{[^}]*kind="task"/);
  });

  it('when a path is unknown, then its requests are labelled by a bounded route', async () => {
    await fetch(`${api.url}/nope/${randomUUID()}`, { headers: { authorization: `Bearer ${key}` } });
    const text = await scrape(api.url);
    expect(sample(text, 'runq_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('/nope/');
  });
});
