import { randomUUID } from 'node:crypto';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';

describe.each(QUEUE_BACKENDS)('smoke on %s', (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ backend });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when a task is posted, then it can be read back', async () => {
    const project = randomUUID();
    const key = await api.createKey([project]);
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'resize' } },
    });
    expect(created.status).toBe(202);
    const read = await requestJson(api.url, 'GET', `/runs/${created.body.run.run_id}`, { key });
    expect(read.body).toEqual(created.body.run);
  });
});
