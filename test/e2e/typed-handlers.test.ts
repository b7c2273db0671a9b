import { randomUUID } from 'node:crypto';
import { fixturePath, ProcessGroup } from '../support/worker-process.js';
import { requestJson, startTestApi, waitForRun, type TestApi } from '../support/harness.js';

describe('handler modules written with defineHandlers', () => {
  let api: TestApi;
  const processes = new ProcessGroup();
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterEach(async () => {
    await processes.killAll();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when runq worker loads a defineHandlers module, then its handlers complete runs', async () => {
    await processes.startWorker(api, fixturePath('typed-handlers.mjs'));
    const project = randomUUID();
    const key = await api.createKey([project]);
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'greet', config: { name: 'runq' } } },
    });
    const run = await waitForRun(api, key, created.body.run.run_id, (r) => r.status === 'completed');
    expect(run.output).toEqual({ hello: 'runq' });
    expect(run.logs).toBe('greeting on attempt 1');
  });

  it('when the module is malformed, then the worker stops at start with one line naming the problem', async () => {
    const worker = processes.run(['worker', '--handlers', fixturePath('typed-handlers-invalid.mjs')], {
      DATABASE_URL: api.database.url,
      RUNQ_QUEUE_PREFIX: api.config.queuePrefix,
    });
    const exit = await worker.exited;
    expect(exit.code).not.toBe(0);
    expect(worker.stderr.join('\n')).toContain('"tasks" is not a run kind');
    expect(worker.stderr).toHaveLength(1);
  });
});
