import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { requestJson, startTestApi, startTestWorker, waitForRun, type TestApi, type TestWorker } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';

const JWT_SECRET = `secret-${randomUUID()}-${randomUUID()}`;

describe('credentials in logs', () => {
  let api: TestApi;
  let worker: TestWorker;
  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_JWT_SECRET: JWT_SECRET, LOG_LEVEL: 'trace' } });
    worker = await startTestWorker(
      api,
      { task: { '*': (run, ctx) => (ctx.log(`handling ${run.run_id}`), { output: 'done' }) } },
      { env: { LOG_LEVEL: 'trace' } },
    );
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('when runs are created and executed with an API key and a JWT, then no credential appears in any API or worker log line', async () => {
    const project = randomUUID();
    const key = await api.createKey([project]);
    const jwt = await new SignJWT({ project_ids: [project] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('someone')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const body = { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'x' } };
    const viaKey = await requestJson(api.url, 'POST', '/runs', { key, body });
    const viaHeader = await requestJson(api.url, 'POST', '/runs', { body, headers: { 'x-api-key': key } });
    const viaJwt = await requestJson(api.url, 'POST', '/runs', { key: jwt, body });
    const rejected = await requestJson(api.url, 'GET', '/runs', { key: `${key.slice(0, -4)}zzzz` });
    expect([viaKey.status, viaHeader.status, viaJwt.status, rejected.status]).toEqual([202, 202, 202, 401]);
    for (const response of [viaKey, viaHeader, viaJwt]) {
      await waitForRun(api, key, response.body.run.run_id, (run) => run.status === 'completed');
    }
    expect(worker.logs.some((line) => line.includes(viaJwt.body.run.run_id))).toBe(true);
    expectNoSecretsInLogs([...api.logs, ...worker.logs], [key, `Bearer ${key}`, jwt, JWT_SECRET, `${key.slice(0, -4)}zzzz`]);
  });
});
