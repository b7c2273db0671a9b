import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { startApi, type RunningApi } from '@runq/api';
import { createLogger } from '@runq/config';
import { findFreePort } from '@runq/local';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { hasSample, sample } from '../support/prometheus.js';
import { expectProblem } from '../support/run-api.js';

/** A second API instance on the same database, queue backend and prefix as `api` (so the same limit store). */
async function startSecondInstance(api: TestApi): Promise<RunningApi> {
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  return startApi(api.config, createLogger({ level: 'silent', service: 'api', destination: sink }));
}

/** A token of the API key format whose prefix and secret are random: a wrong key no one has. */
const wrongKey = () => `vf_${randomUUID().replaceAll('-', '').slice(0, 12)}_${randomUUID().replaceAll('-', '').padEnd(40, 'x')}`;

async function scrapeMetrics(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** Asserts a 429 `rate_limited` problem whose Retry-After is a whole number of seconds within the window. */
function expectRateLimited(response: { status: number; headers: Headers; body: any }): void {
  expectProblem(response, 429, 'rate_limited');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe.each(QUEUE_BACKENDS)('rate limits shared across API instances on %s', (backend) => {
  const started: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const item of started.splice(0).reverse()) await item.close();
  });

  /** Two API instances sharing one store, with `env` limits. */
  async function twoInstances(env: Record<string, string>): Promise<{ api: TestApi; urls: [string, string] }> {
    const api = await startTestApi({ backend, env });
    started.push(api);
    const second = await startSecondInstance(api);
    started.push(second);
    return { api, urls: [api.url, second.url] };
  }

  it('when one key spends its limit across both instances, then the next request is 429 with Retry-After and other keys go on', async () => {
    const { api, urls } = await twoInstances({ RUNQ_RATE_LIMIT_PER_KEY: '5' });
    const project = randomUUID();
    const [key, otherKey] = await Promise.all([api.createKey([project]), api.createKey([project])]);
    for (let i = 0; i < 5; i += 1) expect((await requestJson(urls[i % 2]!, 'GET', '/runs', { key })).status).toBe(200);
    expectRateLimited(await requestJson(urls[0], 'GET', '/runs', { key }));
    expectRateLimited(
      await requestJson(urls[1], 'POST', '/runs', { key, body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 't' } } }),
    );
    expect((await requestJson(urls[1], 'GET', '/runs', { key: otherKey })).status).toBe(200);
    // The probes are never limited.
    expect((await requestJson(urls[0], 'GET', '/healthz')).status).toBe(200);
  });

  it('when one address spends its limit across both instances with different keys, then it gets 429 but the probes still answer', async () => {
    const { api, urls } = await twoInstances({ RUNQ_RATE_LIMIT_PER_IP: '4' });
    const project = randomUUID();
    const keys = await Promise.all([api.createKey([project]), api.createKey([project]), api.createKey([project]), api.createKey([project])]);
    for (const [index, key] of keys.entries()) expect((await requestJson(urls[index % 2]!, 'GET', '/runs', { key })).status).toBe(200);
    expectRateLimited(await requestJson(urls[1], 'GET', '/runs', { key: await api.createKey([project]) }));
    // Unauthenticated requests count against the address too.
    expectRateLimited(await requestJson(urls[0], 'GET', '/runs'));
    expect((await requestJson(urls[1], 'GET', '/readyz')).status).toBe(200);
  });

  it('when an address sends wrong credentials past the stricter limit, then every instance answers its further wrong ones 429, while valid credentials from it are served', async () => {
    const { api, urls } = await twoInstances({ RUNQ_RATE_LIMIT_AUTH_FAILURES: '3', RUNQ_ADMIN_TOKEN: `admin-${randomUUID()}` });
    const key = await api.createKey([randomUUID()]);
    // Requests without credentials are how every client starts: they do not count.
    for (let i = 0; i < 5; i += 1) expectProblem(await requestJson(urls[i % 2]!, 'GET', '/runs'), 401, 'unauthorized');
    expect((await requestJson(urls[0], 'GET', '/runs', { key })).status).toBe(200);
    // Wrong credentials do, on the API and on the admin pages alike, on either instance.
    expectProblem(await requestJson(urls[1], 'GET', '/runs', { key: wrongKey() }), 401);
    expectProblem(await requestJson(urls[1], 'GET', '/runs', { headers: { 'x-api-key': 'vf_nope' } }), 401);
    const wrongAdmin = `Basic ${Buffer.from('admin:wrong-password-guess').toString('base64')}`;
    expectProblem(await requestJson(urls[0], 'GET', '/admin/queues', { headers: { authorization: wrongAdmin } }), 401);
    // Past the limit, wrong credentials are refused on the instance that counted the last one...
    expectRateLimited(await requestJson(urls[0], 'GET', '/runs', { key: wrongKey() }));
    expectRateLimited(await requestJson(urls[0], 'GET', '/admin/queues', { headers: { authorization: wrongAdmin } }));
    // ...and on the other, which learns of it from the store on its first failure past the limit.
    expectRateLimited(await requestJson(urls[1], 'GET', '/runs', { key: wrongKey() }));
    expectRateLimited(await requestJson(urls[1], 'GET', '/runs', { headers: { 'x-api-key': 'vf_nope' } }));
    // Valid credentials from the same address are served on both, and a request without any
    // still gets its 401 (a browser's first request, before it asks for the password).
    for (const url of urls) expect((await requestJson(url, 'GET', '/runs', { key })).status).toBe(200);
    expectProblem(await requestJson(urls[1], 'GET', '/runs'), 401, 'unauthorized');
    expect((await requestJson(urls[1], 'GET', '/healthz')).status).toBe(200);
  });

  it('when 30 wrong keys come from one address within a minute (the default limit), then a valid key from it is still served, and wrong keys past the 30th get 429 with Retry-After, counted in the metric', async () => {
    const { api, urls } = await twoInstances({});
    const project = randomUUID();
    const key = await api.createKey([project]);
    const metricsBefore = await scrapeMetrics(urls[0]);
    expect(hasSample(metricsBefore, 'runq_http_rate_limited_total', { limit: 'auth_failures_address' })).toBe(true);
    for (let i = 0; i < 30; i += 1) expectProblem(await requestJson(urls[0], 'GET', '/runs', { key: wrongKey() }), 401, 'unauthorized');
    expect((await requestJson(urls[0], 'GET', '/runs', { key })).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expectRateLimited(await requestJson(urls[i % 2]!, 'GET', '/runs', { key: wrongKey() }));
    expect((await requestJson(urls[0], 'GET', '/runs', { key })).status).toBe(200);
    expect(
      (await requestJson(urls[1], 'POST', '/runs', { key, body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 't' } } })).status,
    ).toBe(202);
    // Each instance counts what it refused: 2 + 2 of the 4.
    const refused = async (url: string) => sample(await scrapeMetrics(url), 'runq_http_rate_limited_total', { limit: 'auth_failures_address' });
    expect((await refused(urls[0])) - sample(metricsBefore, 'runq_http_rate_limited_total', { limit: 'auth_failures_address' })).toBe(2);
    expect(await refused(urls[1])).toBe(2);
    // One warning names the refused address; the flood after it is summed up, not logged line by line.
    const warnings = api.logs.filter((line) => line.includes('request refused by a rate limit'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, limit: 'auth_failures_address', address: '127.0.0.1', suppressed: 0 });
  });
});
describe('rate limits when their store is down', () => {
  let api: TestApi;
  afterAll(async () => {
    await api?.close();
  });

  it('when the Redis holding the counters is unreachable, then requests are served unlimited and a warning is logged', async () => {
    const port = await findFreePort();
    api = await startTestApi({
      backend: 'postgres',
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, RUNQ_RATE_LIMIT_PER_KEY: '1', RUNQ_RATE_LIMIT_PER_IP: '1' },
    });
    const project = randomUUID();
    const key = await api.createKey([project]);
    for (let i = 0; i < 3; i += 1) expect((await requestJson(api.url, 'GET', '/runs', { key })).status).toBe(200);
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 't' } },
    });
    // Stored and accepted: the reconciler dispatches it once the queue is back.
    expect(created.status).toBe(202);
    const warnings = api.logs.filter((line) => line.includes('rate-limit store')).map((line) => JSON.parse(line));
    expect(warnings.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^rate-limit store not reachable at start/),
      expect.stringMatching(/^rate-limit store unavailable/),
    ]);
    // Each names the failure, without a stack; the second also says how many it stands for.
    for (const line of warnings) expect(line).toMatchObject({ level: 40, reason: expect.any(String) });
    expect(JSON.stringify(warnings)).not.toMatch(/"stack"|\bat \S+ \(/);
    expect(warnings[1].suppressed).toBe(0);
  });
});
