import { randomUUID } from 'node:crypto';
import { generateSecret } from '@runq/webhooks';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { hasSample, sample } from '../support/prometheus.js';
import { expectProblem } from '../support/run-api.js';
import { deliverSigned } from '../support/webhooks.js';

describe.each(QUEUE_BACKENDS)('inbound webhook limits and metrics on %s', (backend) => {
  const apis: TestApi[] = [];
  afterEach(async () => {
    await Promise.all(apis.splice(0).map((api) => api.close()));
  });

  /** An API with `env`, a key of a new project, and an endpoint creating task runs in it. */
  async function setUp(env: Record<string, string> = {}): Promise<{ api: TestApi; key: string; endpoint: any }> {
    const api = await startTestApi({ backend, env });
    apis.push(api);
    const projectId = randomUUID();
    const key = await api.createKey([projectId]);
    const endpoint = await createEndpoint(api, key, projectId);
    return { api, key, endpoint };
  }

  async function createEndpoint(api: TestApi, key: string, projectId: string): Promise<any> {
    const response = await requestJson(api.url, 'POST', '/webhooks', {
      key,
      body: { name: 'limits', run: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } } },
    });
    if (response.status !== 201) throw new Error(`POST /webhooks: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  it('when an endpoint gets more deliveries a minute than its limit, then the excess is 429 with Retry-After and other endpoints are served', async () => {
    const { api, key, endpoint } = await setUp({ RUNQ_RATE_LIMIT_PER_WEBHOOK: '3' });
    for (let i = 0; i < 3; i += 1) expect((await deliverSigned(api, endpoint.id, endpoint.secret, `msg_${i}`, '{}')).status).toBe(202);
    const refused = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_3', '{}');
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await createEndpoint(api, key, endpoint.project_id);
    expect((await deliverSigned(api, other.id, other.secret, 'msg_0', '{}')).status).toBe(202);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(sample(metrics, 'runq_http_rate_limited_total', { limit: 'webhook' })).toBe(1);
  });

  it('when bad signatures pass the failed-login limit, then further ones are 429 and no longer recorded, while a valid delivery is still served', async () => {
    const { api, endpoint } = await setUp({ RUNQ_RATE_LIMIT_AUTH_FAILURES: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await deliverSigned(api, endpoint.id, generateSecret(), `forged_${i}`, '{}')).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429, 429, 429]);
    const rows = await api.db.selectFrom('webhook_inbound_deliveries').select(['count', 'reason']).where('endpoint_id', '=', endpoint.id).execute();
    const recorded = rows.reduce((sum, row) => sum + row.count, 0);
    // The request that crosses the limit is recorded before the limit is known to be crossed; none after it.
    expect(recorded).toBeGreaterThanOrEqual(3);
    expect(recorded).toBeLessThanOrEqual(4);
    expect((await deliverSigned(api, endpoint.id, endpoint.secret, 'genuine', '{"ok":true}')).status).toBe(202);
  });

  it('when deliveries are accepted, repeated and rejected, then runq_webhook_inbound_deliveries_total counts each outcome', async () => {
    const { api, endpoint } = await setUp();
    const before = await (await fetch(`${api.url}/metrics`)).text();
    for (const outcome of ['accepted', 'duplicate', 'rejected']) expect(hasSample(before, 'runq_webhook_inbound_deliveries_total', { outcome })).toBe(true);
    expect((await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_a', '{}')).status).toBe(202);
    expect((await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_a', '{}')).status).toBe(200);
    expect((await deliverSigned(api, endpoint.id, generateSecret(), 'msg_b', '{}')).status).toBe(401);
    expect((await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_c', 'not json')).status).toBe(400);
    const after = await (await fetch(`${api.url}/metrics`)).text();
    expect(sample(after, 'runq_webhook_inbound_deliveries_total', { outcome: 'accepted' })).toBe(1);
    expect(sample(after, 'runq_webhook_inbound_deliveries_total', { outcome: 'duplicate' })).toBe(1);
    expect(sample(after, 'runq_webhook_inbound_deliveries_total', { outcome: 'rejected' })).toBe(2);
  });
});
