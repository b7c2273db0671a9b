import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createRunqClient } from '@runq/client';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectProblem } from '../support/run-api.js';

const JWT_SECRET = `jwt-secret-${randomUUID()}`;

describe.each(QUEUE_BACKENDS)('GET /whoami on %s', (backend) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ backend, env: { RUNQ_JWT_SECRET: JWT_SECRET } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when an API key of one project asks, then it gets that project and its key prefix', async () => {
    const project = randomUUID();
    const key = await api.createKey([project]);
    const response = await requestJson(api.url, 'GET', '/whoami', { key });
    expect(response.status).toBe(200);
    const prefix = key.split('_')[1];
    expect(response.body).toEqual({ kind: 'api_key', name: `api_key:${prefix}`, projects: [project], key_prefix: prefix });
  });

  it('when an API key of several projects asks through the typed client, then it gets every project', async () => {
    const projects = [randomUUID(), randomUUID(), randomUUID()];
    const runq = createRunqClient({ baseUrl: api.url, token: await api.createKey(projects) });
    const whoami = await runq.whoami();
    expect(whoami.kind).toBe('api_key');
    expect([...whoami.projects].sort()).toEqual([...projects].sort());
  });

  it('when a JWT asks, then it gets the projects of its claim and no key prefix', async () => {
    const projects = [randomUUID(), randomUUID()];
    const token = await new SignJWT({ project_ids: projects })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-7')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const response = await requestJson(api.url, 'GET', '/whoami', { key: token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ kind: 'jwt', name: 'jwt:user-7', projects });
  });

  it('when no credentials are sent, then 401 with a Bearer challenge', async () => {
    const response = await requestJson(api.url, 'GET', '/whoami');
    expectProblem(response, 401, 'unauthorized');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="runq"/);
  });

  it('when an unknown key is sent, then 401 invalid_token', async () => {
    const response = await requestJson(api.url, 'GET', '/whoami', { key: `vf_abcdefgh_${'a'.repeat(40)}` });
    expectProblem(response, 401, 'unauthorized');
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
