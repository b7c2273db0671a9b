import { randomUUID } from 'node:crypto';
import { QUEUE_BACKENDS, requestJson, startTestApi, startTestWorker, type TestApi, type TestWorker } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';
import { RunClient } from '../support/run-client.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const EVENTS = ['run.completed', 'run.failed'];

describe.each(QUEUE_BACKENDS)('webhook subscriptions on %s (private destinations not allowed)', (backend) => {
  let api: TestApi;
  let worker: TestWorker;
  let mine: RunClient;
  let theirs: RunClient;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    api = await startTestApi({ backend });
    mine = await RunClient.open(api);
    theirs = await RunClient.open(api);
    receiver = await WebhookReceiver.start();
    worker = await startTestWorker(api, { task: { '*': () => ({ output: 1 }) } }, { env: { RUNQ_WEBHOOK_RETRY_BASE_MS: '600000' } });
  });
  afterAll(async () => {
    await worker?.close();
    await receiver?.close();
    await api?.close();
  });

  const create = (client: RunClient, body: unknown) => client.request('POST', '/webhook-subscriptions', body);
  /** A public destination: created without resolving anything (an IP literal). */
  const publicUrl = (path = randomUUID()) => `https://93.184.216.34/${path}`;

  it('when a subscription is created, then the answer has its secret once and later reads never do; the stored secret is sealed', async () => {
    const created = await create(mine, { url: publicUrl(), events: EVENTS, filter: { kind: 'task', target: 'report' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      project_id: mine.projectId,
      events: EVENTS,
      filter: { kind: 'task', target: 'report' },
      enabled: true,
      disabled_reason: null,
      disabled_at: null,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const read = await mine.request('GET', `/webhook-subscriptions/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body).toEqual(Object.fromEntries(Object.entries(created.body).filter(([key]) => key !== 'secret')));
    const row = await api.db.selectFrom('webhook_subscriptions').select('secret_sealed').where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(created.body.secret.slice(6));
  });

  it.each([
    [{ events: EVENTS }, '/url'],
    [{ url: publicUrl(), events: [] }, '/events'],
    [{ url: publicUrl(), events: ['run.done'] }, '/events/0'],
    [{ url: publicUrl(), events: EVENTS, filter: { kind: 'job' } }, '/filter/kind'],
    [{ url: publicUrl(), events: EVENTS, extra: 1 }, '/extra'],
    [{ url: 'ftp://93.184.216.34/x', events: EVENTS }, '/url'],
    [{ url: 'https://user:pass@93.184.216.34/x', events: EVENTS }, '/url'],
    [{ url: 'not a url', events: EVENTS }, '/url'],
  ])('when the body is %j, then the answer is a 400 naming %s', async (body, path) => {
    const response = await create(mine, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it.each([
    'http://127.0.0.1:9/x',
    'http://localhost/x',
    'http://[::1]/x',
    'http://10.1.2.3/x',
    'http://169.254.169.254/latest',
    'http://[::ffff:127.0.0.1]/x',
    'http://100.64.0.1/',
  ])('when the URL %s is loopback, private or link-local, then it is refused with a 400 naming /url', async (url) => {
    const response = await create(mine, { url, events: EVENTS });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: '/url', message: expect.stringMatching(/loopback, private, link-local or reserved/) }]);
    const patched = await mine.request('PATCH', `/webhook-subscriptions/${(await create(mine, { url: publicUrl(), events: EVENTS })).body.id}`, { url });
    expect(patched.status).toBe(400);
  });

  it('when another project asks for a subscription, its deliveries or a redelivery, then the answer is 404 and nothing changes', async () => {
    const { body: subscription } = await create(mine, { url: publicUrl(), events: EVENTS });
    const delivery = randomUUID();
    for (const [method, path, body] of [
      ['GET', `/webhook-subscriptions/${subscription.id}`],
      ['PATCH', `/webhook-subscriptions/${subscription.id}`, { enabled: false }],
      ['DELETE', `/webhook-subscriptions/${subscription.id}`],
      ['GET', `/webhook-subscriptions/${subscription.id}/deliveries`],
      ['POST', `/webhook-subscriptions/${subscription.id}/deliveries/${delivery}/redeliver`],
      ['GET', '/webhook-subscriptions/not-a-uuid'],
    ] as const) {
      const response = await theirs.request(method, path, body);
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    expect((await theirs.request('GET', '/webhook-subscriptions')).body.data.map((entry: { id: string }) => entry.id)).not.toContain(subscription.id);
    expect((await mine.request('GET', `/webhook-subscriptions/${subscription.id}`)).body.enabled).toBe(true);
    const foreign = await create(mine, { project_id: theirs.projectId, url: publicUrl(), events: EVENTS });
    expect(foreign.status).toBe(404);
  });

  it('when subscriptions are listed a page at a time, then the cursor walks them newest first without repeats; a deleted one is gone', async () => {
    const client = await RunClient.open(api);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await create(client, { url: publicUrl(), events: EVENTS })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await client.request(
        'GET',
        `/webhook-subscriptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.data.map((entry) => entry.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await client.request('GET', '/webhook-subscriptions?limit=0')).status).toBe(400);
    expect((await client.request('DELETE', `/webhook-subscriptions/${ids[0]}`)).status).toBe(204);
    expect((await client.request('GET', `/webhook-subscriptions/${ids[0]}`)).status).toBe(404);
  });

  it('when a PATCH changes events and filter or disables, then the subscription says so', async () => {
    const { body: subscription } = await create(mine, { url: publicUrl(), events: EVENTS });
    const patched = await mine.request('PATCH', `/webhook-subscriptions/${subscription.id}`, {
      events: ['run.waiting'],
      filter: { target: 'x' },
      enabled: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      events: ['run.waiting'],
      filter: { kind: null, target: 'x' },
      enabled: false,
      disabled_reason: 'disabled by a caller',
    });
    expect((await mine.request('PATCH', `/webhook-subscriptions/${subscription.id}`, {})).status).toBe(400);
  });

  it('when a stored destination resolves to loopback at delivery time, then the worker refuses to connect and logs why', async () => {
    const client = await RunClient.open(api);
    const target = `t-${randomUUID()}`;
    const ids: string[] = [];
    for (const host of ['127.0.0.1', 'localhost']) {
      const { body } = await create(client, { url: publicUrl(), events: ['run.completed'], filter: { target } });
      // As if DNS had changed since the check at creation: the stored URL now points at loopback.
      const url = receiver.url(`refused-${host}`).replace('127.0.0.1', host);
      await api.db.updateTable('webhook_subscriptions').set({ url }).where('id', '=', body.id).execute();
      ids.push(body.id);
    }
    const run = await client.task(target);
    await client.waitForStatus(run.run_id, 'completed');
    for (const id of ids) {
      const { value, done } = await pollUntil(
        async () => (await client.request('GET', `/webhook-subscriptions/${id}/deliveries`)).body.data,
        (data: any[]) => data[0]?.attempts === 1 && data[0]?.last_error !== null,
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      expect(done).toBe(true);
      expect(value[0]).toMatchObject({
        state: 'pending',
        last_status_code: null,
        last_error: expect.stringMatching(/destination refused.*(loopback|127\.0\.0\.1)/),
      });
    }
    expect(receiver.received).toEqual([]);
  });
});

describe('webhook subscriptions without RUNQ_SECRETS_KEY', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_SECRETS_KEY: '' } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when a subscription route is called, then the answer is a 503 problem saying the key is not set', async () => {
    const key = await api.createKey([randomUUID()]);
    for (const [method, path] of [
      ['POST', '/webhook-subscriptions'],
      ['GET', '/webhook-subscriptions'],
      ['GET', `/webhook-subscriptions/${randomUUID()}`],
    ] as const) {
      const response = await requestJson(api.url, method, path, {
        key,
        ...(method === 'POST' ? { body: { url: 'https://93.184.216.34/', events: EVENTS } } : {}),
      });
      expect(response.status).toBe(503);
      expect(response.body.detail).toMatch(/RUNQ_SECRETS_KEY/);
    }
  });
});
