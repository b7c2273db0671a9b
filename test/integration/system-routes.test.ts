import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { loadApiConfig, startApi, type RunningApi } from '@runq/api';
import { createApiKey } from '@runq/auth';
import { createLogger } from '@runq/config';
import { openDatabase } from '@runq/db';
import { loadContractDocument, toOpenApi31 } from '@runq/contract';
import { createTestDatabase, QUEUE_BACKENDS, requestJson, startTestApi, type TestApi, type TestDatabase } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { expectProblem, postRunAt } from '../support/run-api.js';

/** A loopback port nothing listens on (bound once by the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves a local JSON pointer (`#/a/b`) inside `document`. */
function resolvePointer(document: unknown, ref: string): unknown {
  let node: any = document;
  for (const token of ref.replace(/^#\//, '').split('/')) {
    node = node?.[token.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

/** Every `$ref` string inside `value`. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
  }
  return [];
}

describe.each(QUEUE_BACKENDS)('system routes on %s', (backend) => {
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    api = await startTestApi({ backend });
    key = await api.createKey([randomUUID()]);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when /healthz is asked without credentials, then 200', async () => {
    const response = await requestJson(api.url, 'GET', '/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect((await fetch(`${api.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
  });

  it('when a request is served, then one access line names its id, method, path, status and duration, with the service and pid', async () => {
    const requestId = `access-${randomUUID()}`;
    const response = await requestJson(api.url, 'GET', '/healthz', { headers: { 'x-request-id': requestId } });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const lines = api.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['requestId'] === requestId);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request',
        service: 'api',
        pid: process.pid,
        method: 'GET',
        path: '/healthz',
        status: 200,
        ms: expect.any(Number),
      }),
    ]);
  });

  it('when /readyz is asked and every dependency is up, then 200 naming the checks and the queue backend', async () => {
    const response = await requestJson(api.url, 'GET', '/readyz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready', checks: { postgres: 'ok', queue: 'ok', migrations: 'ok', queue_backend: backend } });
  });

  it("when /openapi.json is asked without credentials, then the seed's POST /runs operation is served in OpenAPI 3.1 form beside runq's routes", async () => {
    const response = await requestJson(api.url, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const served = response.body;
    const contract = loadContractDocument() as any;
    const contractPost = contract.paths['/runs'].post;
    const converted = toOpenApi31({ paths: { '/runs': { post: contractPost } } }) as any;
    const servedPost = served.paths['/runs'].post;
    for (const key of ['tags', 'summary', 'description', 'requestBody']) expect(servedPost[key]).toEqual(converted.paths['/runs'].post[key]);
    expect(servedPost.operationId).toBe('createRun');
    const accepted = converted.paths['/runs'].post.responses['202'];
    expect(servedPost.responses['202'].content['application/json'].schema.properties.run).toEqual({ $ref: '#/components/schemas/Run' });
    expect(served.components.schemas.Run).toEqual(accepted.content['application/json'].schema.properties.run);
    for (const [name, scheme] of Object.entries(contract.components.securitySchemes)) expect(served.components.securitySchemes[name]).toEqual(scheme);
    const operations = Object.entries(served.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => m !== 'parameters')
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /runs',
        'GET /runs',
        'GET /runs/{run_id}',
        'POST /runs/{run_id}/cancel',
        'POST /runs/{run_id}/resume',
        'POST /runs/{run_id}/complete',
        'POST /runs/{run_id}/fail',
        'POST /runs/{run_id}/wait',
        'GET /runs/{run_id}/events',
        'GET /whoami',
        'GET /policies',
        'GET /healthz',
        'GET /readyz',
        'GET /openapi.json',
      ]),
    );
    const refs = refsIn(served);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect({ ref, resolved: resolvePointer(served, ref) !== undefined }).toEqual({ ref, resolved: true });
  });

  it('when an unknown route is asked with credentials, then 404 problem', async () => {
    expectProblem(await requestJson(api.url, 'GET', '/nope', { key }), 404, 'not_found');
    expectProblem(await requestJson(api.url, 'GET', '/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV/nope', { key }), 404, 'not_found');
  });

  it.each([
    ['POST', '/healthz', ['GET']],
    ['DELETE', '/openapi.json', ['GET']],
    ['DELETE', '/runs', ['GET', 'POST']],
    ['PUT', '/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV', ['GET']],
    ['GET', '/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel', ['POST']],
  ])('when %s %s is asked, then 405 problem with an Allow header', async (method, path, allowed) => {
    const response = await requestJson(api.url, method, path, { key });
    expectProblem(response, 405, 'method_not_allowed');
    const allow = (response.headers.get('allow') ?? '').split(/,\s*/);
    expect(allow).toEqual(expect.arrayContaining(allowed));
    expect(allow).not.toContain(method);
  });
});

describe('readiness when a dependency is down', () => {
  const running: RunningApi[] = [];
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(running.map((api) => api.close()));
    await Promise.all(databases.map((db) => db.drop()));
  });

  async function startWith(env: Record<string, string>): Promise<{ url: string; logs: string[] }> {
    const logs: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    });
    const config = loadApiConfig({ PORT: '0', HOST: '127.0.0.1', RUNQ_QUEUE_PREFIX: `test-${randomUUID()}`, LOG_LEVEL: 'info', ...env });
    const api = await startApi(config, createLogger({ level: 'info', service: 'api', destination }));
    running.push(api);
    return { url: api.url, logs };
  }

  it('when Postgres is unreachable, then /readyz is 503 naming postgres with Retry-After, /healthz stays 200 and requests get 503', async () => {
    const password = `pw-${randomUUID()}`;
    const { url, logs } = await startWith({ DATABASE_URL: `postgres://runq:${password}@127.0.0.1:${await closedPort()}/runq` });
    const ready = await requestJson(url, 'GET', '/readyz');
    expectProblem(ready, 503, 'dependency_unavailable');
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(ready.body.detail).toMatch(/postgres/);
    expect((await requestJson(url, 'GET', '/healthz')).status).toBe(200);
    const key = `vf_${'a'.repeat(12)}_${'S'.repeat(40)}`;
    const created = await postRunAt(url, key, { kind: 'task', owner: { kind: 'project', id: randomUUID() }, request: { target: 't' } });
    expectProblem(created, 503, 'dependency_unavailable');
    expect(created.headers.get('retry-after')).toMatch(/^\d+$/);
    expectNoSecretsInLogs(logs, [password, key]);
  });

  it('when Redis is unreachable on the Redis backend, then /readyz is 503 naming only the queue, and a created run is still committed', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { url } = await startWith({ DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const ready = await requestJson(url, 'GET', '/readyz');
    expectProblem(ready, 503, 'dependency_unavailable');
    expect(ready.body.detail).toMatch(/queue/);
    expect(ready.body.detail).not.toMatch(/postgres/);
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);

    const db = openDatabase(database.url, { maxConnections: 1 });
    try {
      const projectId = randomUUID();
      const { token } = await createApiKey(db, { projectIds: [projectId] });
      const created = await postRunAt(url, token, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } });
      expect(created.status).toBe(202);
      const row = await db.selectFrom('runs').select(['status']).where('id', '=', created.body.run.run_id).executeTakeFirst();
      expect(row).toEqual({ status: 'pending' });
    } finally {
      await db.destroy();
    }
  });
});
