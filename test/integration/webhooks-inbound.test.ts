import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { SecretBox, signedHeaders, generateSecret } from '@runq/webhooks';
import { QUEUE_BACKENDS, TEST_SECRETS_KEY, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { expectFieldError, expectProblem } from '../support/run-api.js';
import { SPEC_VECTOR, deliverHook, deliverSigned, nowSeconds } from '../support/webhooks.js';

describe.each(QUEUE_BACKENDS)('inbound webhooks on %s', (backend) => {
  let api: TestApi;
  let key: string;
  let otherKey: string;
  const projectId = randomUUID();
  const otherProjectId = randomUUID();
  const owner = { kind: 'project', id: projectId };
  const workflowRun = { kind: 'workflow', owner, request: { workflow_id: 'on-push', target: 'deploy' } };

  beforeAll(async () => {
    // Bad signatures are throttled like failed logins (webhooks-inbound-limits.test.ts): off here,
    // where many are sent on purpose.
    api = await startTestApi({ backend, env: { RUNQ_RATE_LIMIT_AUTH_FAILURES: '0' } });
    [key, otherKey] = await Promise.all([api.createKey([projectId]), api.createKey([otherProjectId])]);
  });
  afterAll(() => api?.close());

  const call = (method: string, path: string, body?: unknown, as = key) =>
    requestJson(api.url, method, path, { key: as, ...(body !== undefined ? { body } : {}) });

  /** Creates an endpoint; expects 201 and returns its body (with the secret). */
  async function createEndpoint(body: Record<string, unknown> = {}): Promise<any> {
    const response = await call('POST', '/webhooks', { name: 'github pushes', run: workflowRun, ...body });
    if (response.status !== 201) throw new Error(`POST /webhooks: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** An endpoint's deliveries, latest first. */
  async function deliveries(id: string): Promise<any[]> {
    const response = await call('GET', `/webhooks/${id}/deliveries?limit=100`);
    expect(response.status).toBe(200);
    return response.body.data;
  }

  /** The runs created by an endpoint's deliveries (through their trigger). */
  async function runsOf(endpointId: string): Promise<number> {
    const row = await sql<{ n: string }>`select count(*) as n from runs r join webhook_inbound_deliveries d on d.id::text = r.trigger_id
      where d.endpoint_id = ${endpointId}::uuid and r.trigger_kind = 'webhook'`.execute(api.db);
    return Number(row.rows[0]?.n);
  }

  it('when an endpoint is created, then its secret is shown once, stored sealed, and never read back', async () => {
    const created = await createEndpoint({ key: 'github' });
    expect(created).toMatchObject({ key: 'github', name: 'github pushes', project_id: projectId, paused: false, run: workflowRun });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.url).toBe(`${api.url}/hooks/${created.id}`);
    expect(created.secrets).toEqual([{ created_at: expect.any(String), expires_at: null }]);
    const read = await call('GET', `/webhooks/${created.id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(created.secret.slice(6));
    const listed = await call('GET', '/webhooks');
    expect(listed.body.data.map((endpoint: any) => endpoint.id)).toContain(created.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret.slice(6));
    const stored = await api.db.selectFrom('webhook_endpoint_secrets').select('sealed').where('endpoint_id', '=', created.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.sealed).not.toContain(created.secret.slice(6));
    expect(new SecretBox(TEST_SECRETS_KEY).open(stored[0]?.sealed ?? '')).toBe(created.secret);
    const again = await call('POST', '/webhooks', { key: 'github', name: 'again', run: workflowRun });
    expectProblem(again, 409, 'webhook_key_taken');
    const rotated = await call('POST', `/webhooks/${created.id}/rotate-secret`);
    expect((await deliverSigned(api, created.id, rotated.body.secret, 'msg_logged', '{}')).status).toBe(202);
    expectNoSecretsInLogs(api.logs, [created.secret, created.secret.slice(6), rotated.body.secret, rotated.body.secret.slice(6)]);
  });

  it('when a delivery is signed with the specification’s published secret, then it creates one run with the body as input, and a redelivery returns the same run', async () => {
    expect(signedHeaders(SPEC_VECTOR.secret, SPEC_VECTOR.id, SPEC_VECTOR.timestamp, SPEC_VECTOR.body)['webhook-signature']).toBe(SPEC_VECTOR.signature);
    const endpoint = await createEndpoint();
    await api.db
      .updateTable('webhook_endpoint_secrets')
      .set({ sealed: new SecretBox(TEST_SECRETS_KEY).seal(SPEC_VECTOR.secret) })
      .where('endpoint_id', '=', endpoint.id)
      .execute();

    // The published delivery itself is years old: refused as a replay.
    const published = await deliverHook(api, endpoint.id, SPEC_VECTOR.body, {
      'webhook-id': SPEC_VECTOR.id,
      'webhook-timestamp': String(SPEC_VECTOR.timestamp),
      'webhook-signature': SPEC_VECTOR.signature,
    });
    expectProblem(published, 401, 'signature_invalid');
    expect(published.body.detail).toMatch(/5 minutes in the past/);

    const accepted = await deliverSigned(api, endpoint.id, SPEC_VECTOR.secret, SPEC_VECTOR.id, SPEC_VECTOR.body);
    expect(accepted.status).toBe(202);
    expect(accepted.body.run).toMatchObject({
      kind: 'workflow',
      status: 'pending',
      input: { test: 2432232314 },
      trigger_kind: 'webhook',
      trigger_id: accepted.body.delivery_id,
    });
    const run = await call('GET', `/runs/${accepted.body.run.run_id}`);
    expect(run.body).toMatchObject({ run_id: accepted.body.run.run_id, trigger_kind: 'webhook', trigger_id: accepted.body.delivery_id });

    const redelivered = await deliverSigned(api, endpoint.id, SPEC_VECTOR.secret, SPEC_VECTOR.id, SPEC_VECTOR.body);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.run.run_id).toBe(accepted.body.run.run_id);
    expect(await runsOf(endpoint.id)).toBe(1);

    const log = await deliveries(endpoint.id);
    expect(log.map((delivery) => [delivery.outcome, delivery.reason, delivery.status_code, delivery.run_id])).toEqual([
      ['duplicate', null, 200, accepted.body.run.run_id],
      ['accepted', null, 202, accepted.body.run.run_id],
      ['rejected', 'stale_timestamp', 401, null],
    ]);
    expect(log[1].webhook_id).toBe(SPEC_VECTOR.id);
  });

  it('when a delivery is tampered with, signed with another secret, stale, from the future or unsigned, then it is 401 with the reason and creates nothing', async () => {
    const endpoint = await createEndpoint();
    const body = '{"ref":"main"}';
    const good = signedHeaders(endpoint.secret, 'msg_1', nowSeconds(), body);
    const cases: [string, Promise<any>][] = [
      ['bad_signature', deliverHook(api, endpoint.id, '{"ref":"evil"}', good)],
      ['bad_signature', deliverSigned(api, endpoint.id, generateSecret(), 'msg_2', body)],
      // A minute beyond the 5-minute window either way (the exact bounds are unit-tested): a request that
      // reaches the server seconds late is still outside it.
      ['stale_timestamp', deliverSigned(api, endpoint.id, endpoint.secret, 'msg_3', body, { timestamp: nowSeconds() - 360 })],
      ['future_timestamp', deliverSigned(api, endpoint.id, endpoint.secret, 'msg_4', body, { timestamp: nowSeconds() + 360 })],
      ['missing_headers', deliverHook(api, endpoint.id, body, {})],
      ['malformed_timestamp', deliverHook(api, endpoint.id, body, { ...good, 'webhook-timestamp': 'yesterday' })],
    ];
    for (const [reason, pending] of cases) {
      const response = await pending;
      expectProblem(response, 401, 'signature_invalid');
      expect(response.body.errors[0].message).toBe(reason);
    }
    expect(await runsOf(endpoint.id)).toBe(0);
    const log = await deliveries(endpoint.id);
    expect(log.every((delivery) => delivery.outcome === 'rejected' && delivery.run_id === null)).toBe(true);
    expect(log.reduce((sum, delivery) => sum + delivery.count, 0)).toBe(cases.length);
    // The genuine delivery still goes through.
    expect((await deliverHook(api, endpoint.id, body, good)).status).toBe(202);
  });

  it('when forged deliveries flood an endpoint, then they are counted in one row per reason and minute, not one row each', async () => {
    const endpoint = await createEndpoint();
    for (let i = 0; i < 25; i += 1) {
      const response = await deliverSigned(api, endpoint.id, generateSecret(), `forged_${i}`, '{}');
      expect(response.status).toBe(401);
    }
    const rows = await api.db.selectFrom('webhook_inbound_deliveries').selectAll().where('endpoint_id', '=', endpoint.id).execute();
    expect(rows.length).toBeLessThanOrEqual(2); // a minute boundary may fall inside the loop
    expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(25);
    expect(rows.every((row) => row.reason === 'bad_signature')).toBe(true);
  });

  it('when the same webhook-id arrives many times at once, then exactly one run is created and every answer names it', async () => {
    const endpoint = await createEndpoint();
    const body = JSON.stringify({ n: 1 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => deliverSigned(api, endpoint.id, endpoint.secret, 'msg_concurrent', body)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((answer) => answer.body.run.run_id)).size).toBe(1);
    expect(await runsOf(endpoint.id)).toBe(1);
    const log = await deliveries(endpoint.id);
    expect(log.filter((delivery) => delivery.outcome === 'accepted')).toHaveLength(1);
    expect(log.filter((delivery) => delivery.outcome === 'duplicate')).toHaveLength(7);
  });

  it('when the secret is rotated, then the old and the new secret both verify until the old one expires, and only the new one after', async () => {
    const endpoint = await createEndpoint();
    const rotated = await call('POST', `/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(rotated.body.secrets).toHaveLength(2);
    const expiring = rotated.body.secrets.find((secret: any) => secret.expires_at !== null);
    const overlapMs = new Date(expiring.expires_at).getTime() - Date.now();
    expect(overlapMs).toBeGreaterThan(23 * 3600_000);
    expect(overlapMs).toBeLessThanOrEqual(24 * 3600_000);

    expect((await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_old', '{}')).status).toBe(202);
    expect((await deliverSigned(api, endpoint.id, rotated.body.secret, 'msg_new', '{}')).status).toBe(202);

    // The overlap ends.
    await api.db
      .updateTable('webhook_endpoint_secrets')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('endpoint_id', '=', endpoint.id)
      .where('expires_at', 'is not', null)
      .execute();
    const old = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_old_after', '{}');
    expectProblem(old, 401, 'signature_invalid');
    expect((await deliverSigned(api, endpoint.id, rotated.body.secret, 'msg_new_after', '{}')).status).toBe(202);
    expect((await call('GET', `/webhooks/${endpoint.id}`)).body.secrets).toHaveLength(1);
  });

  it('when a body is too large, not JSON, or makes no valid run, then the answer says so and nothing is created', async () => {
    const endpoint = await createEndpoint();
    const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    const tooLarge = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_big', big);
    expectProblem(tooLarge, 413, 'payload_too_large');
    const notJson = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_text', 'ref=main');
    expectProblem(notJson, 400, 'invalid_json');
    const form = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_form', 'ref=main', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(form, 415, 'unsupported_media_type');
    // A workflow's input is an object: an array makes no valid run.
    const array = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_array', '[1,2]');
    expectProblem(array, 422, 'unprocessable_run');
    expect(array.body.errors.some((error: any) => error.path.startsWith('/request/input'))).toBe(true);
    expect(await runsOf(endpoint.id)).toBe(0);
    const log = await deliveries(endpoint.id);
    expect(log.map((delivery) => [delivery.reason, delivery.status_code])).toEqual([
      ['invalid_run', 422],
      ['unsupported_media_type', 415],
      ['invalid_json', 400],
      ['payload_too_large', 413],
    ]);
    expect(log[0].errors.length).toBeGreaterThan(0);
  });

  it('when a task endpoint receives a delivery, then the body becomes the task run’s config', async () => {
    const endpoint = await createEndpoint({ run: { kind: 'task', owner, request: { target: 'resize' } } });
    const accepted = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_task', '{"width":640}');
    expect(accepted.status).toBe(202);
    expect(accepted.body.run).toMatchObject({ kind: 'task', target: 'resize', config: { width: 640 }, trigger_kind: 'webhook' });
  });

  it('when an endpoint is unknown, deleted or its id malformed, then a delivery is 404', async () => {
    expectProblem(await deliverHook(api, randomUUID(), '{}', {}), 404, 'webhook_not_found');
    expectProblem(await deliverHook(api, 'not-a-uuid', '{}', {}), 404, 'webhook_not_found');
    const endpoint = await createEndpoint();
    expect((await call('DELETE', `/webhooks/${endpoint.id}`)).status).toBe(204);
    expectProblem(await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_gone', '{}'), 404, 'webhook_not_found');
    expectProblem(await call('GET', `/webhooks/${endpoint.id}`), 404, 'webhook_not_found');
  });

  it('when an endpoint is paused, then deliveries are recorded and refused with 409 until it is resumed', async () => {
    const endpoint = await createEndpoint({ paused: true });
    const refused = await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_paused', '{}');
    expectProblem(refused, 409, 'webhook_paused');
    expect(await runsOf(endpoint.id)).toBe(0);
    const resumed = await call('PATCH', `/webhooks/${endpoint.id}`, { paused: false, name: 'renamed' });
    expect(resumed.body).toMatchObject({ paused: false, name: 'renamed' });
    // The refused delivery can be sent again: it was never accepted.
    expect((await deliverSigned(api, endpoint.id, endpoint.secret, 'msg_paused', '{}')).status).toBe(202);
    expect((await deliveries(endpoint.id)).map((delivery) => [delivery.outcome, delivery.reason])).toEqual([
      ['accepted', null],
      ['rejected', 'paused'],
    ]);
  });

  it('when another project’s key names an endpoint, then every route is 404, as for a missing one', async () => {
    const endpoint = await createEndpoint();
    const missing = randomUUID();
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'x' }],
      ['DELETE', '', undefined],
      ['POST', '/rotate-secret', undefined],
      ['GET', '/deliveries', undefined],
    ] as const) {
      const hidden = await call(method, `/webhooks/${endpoint.id}${suffix}`, body, otherKey);
      const absent = await call(method, `/webhooks/${missing}${suffix}`, body, otherKey);
      expectProblem(hidden, 404, 'webhook_not_found');
      expect(hidden.body.detail.replace(endpoint.id, '<id>')).toBe(absent.body.detail.replace(missing, '<id>'));
    }
    expect((await call('GET', '/webhooks', undefined, otherKey)).body.data).toEqual([]);
    // A template may not create runs in a project the caller does not have.
    const foreign = await call('POST', '/webhooks', { name: 'x', run: { ...workflowRun, owner: { kind: 'project', id: otherProjectId } } });
    expectProblem(foreign, 404, 'project_not_found');
    expect((await call('GET', `/webhooks/${endpoint.id}`)).status).toBe(200);
  });

  it('when a template is not a valid POST /runs body, then creating or changing the endpoint is 400 naming the field under run', async () => {
    expectFieldError(await call('POST', '/webhooks', { name: 'x', run: { ...workflowRun, public_id: 'fixed' } }), '/run/public_id');
    const noTarget = await call('POST', '/webhooks', { name: 'x', run: { kind: 'workflow', owner, request: { workflow_id: 'w' } } });
    expectProblem(noTarget, 400, 'validation_error');
    expect(noTarget.body.errors.every((error: any) => error.path.startsWith('/run'))).toBe(true);
    expectFieldError(await call('POST', '/webhooks', { run: workflowRun }), '/name');
    const endpoint = await createEndpoint();
    expectFieldError(await call('PATCH', `/webhooks/${endpoint.id}`, { run: { ...workflowRun, kind: 'nope' } }), '/run/kind');
    expect((await call('GET', `/webhooks/${endpoint.id}`)).body.run).toEqual(workflowRun);
  });
});

describe('inbound webhooks without RUNQ_SECRETS_KEY', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_SECRETS_KEY: '' } });
  });
  afterAll(() => api?.close());

  it('when no secrets key is configured, then the webhook routes answer 503 saying so and runs still work', async () => {
    const projectId = randomUUID();
    const key = await api.createKey([projectId]);
    const created = await requestJson(api.url, 'POST', '/webhooks', {
      key,
      body: { name: 'x', run: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } } },
    });
    expectProblem(created, 503, 'dependency_unavailable');
    expect(created.body.detail).toMatch(/RUNQ_SECRETS_KEY/);
    expectProblem(await deliverHook(api, randomUUID(), '{}', {}), 503, 'dependency_unavailable');
    const run = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } },
    });
    expect(run.status).toBe(202);
  });
});
