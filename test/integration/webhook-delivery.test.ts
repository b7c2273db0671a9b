import { randomUUID } from 'node:crypto';
import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { pollUntil } from '../support/poll.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { RunClient } from '../support/run-client.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/** Retry steps scaled down to a short base, and a short retry window, so that backoff and giving up happen within a test (RETRY_STEPS in @runq/webhooks). */
const WORKER_ENV = { RUNQ_WEBHOOK_ALLOW_PRIVATE: '1', RUNQ_WEBHOOK_RETRY_BASE_MS: '20', RUNQ_WEBHOOK_RETRY_WINDOW_MS: '2000' };
const ALL_EVENTS = ['run.completed', 'run.failed', 'run.cancelled', 'run.waiting'];

describe.each(QUEUE_BACKENDS)('outbound webhooks on %s', (backend) => {
  const release = new Gates();
  let receiver: WebhookReceiver;

  const handlers: HandlerModule = {
    task: {
      // What a run does comes from its config: complete, fail, wait (then complete once resumed) or hold until released.
      '*': async (run, ctx) => {
        const action = (run.config as { do?: string } | null)?.do ?? 'complete';
        if (action === 'fail') throw Object.assign(new Error('it broke'), { code: 'broken' });
        if (action === 'wait' && !ctx.resume) return ctx.wait('approval');
        if (action === 'hold') await release.get(run.run_id).promise;
        return { output: { done: true } };
      },
    },
    agent: { '*': () => ({ output: { done: true } }) },
  };

  const suite = useLifecycleContext(backend, handlers, {
    api: { env: { RUNQ_WEBHOOK_ALLOW_PRIVATE: '1' } },
    worker: { concurrency: '4', env: WORKER_ENV },
    afterEach: () => release.releaseAll(),
  });

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  /** Subscribes a fresh receiver path to `events` of runs with a fresh target; returns both and the subscription. */
  async function subscribe(events: string[] = ALL_EVENTS, client: RunClient = suite.client, filter: Record<string, unknown> = {}) {
    const path = `hook-${randomUUID()}`;
    const target = `target-${randomUUID()}`;
    const response = await client.request('POST', '/webhook-subscriptions', { url: receiver.url(path), events, filter: { target, ...filter } });
    expect(response.status).toBe(201);
    receiver.setSecret(path, response.body.secret);
    return { path, target, subscription: response.body };
  }

  const deliveries = async (subscriptionId: string, client: RunClient = suite.client) => {
    const response = await client.request('GET', `/webhook-subscriptions/${subscriptionId}/deliveries`);
    expect(response.status).toBe(200);
    return response.body.data as any[];
  };

  /** The delivery log once every delivery in it is settled: a worker records an answer after the receiver has it. */
  const settledDeliveries = async (subscriptionId: string) => {
    const { value, done } = await pollUntil(
      () => deliveries(subscriptionId),
      (rows) => rows.length > 0 && rows.every((row) => row.state !== 'pending'),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(done).toBe(true);
    return value;
  };

  it('when a run completes, then the receiver gets one signed run.completed carrying the run as GET /runs/{id} shows it, and the log shows it delivered', async () => {
    const { path, target, subscription } = await subscribe();
    const run = await suite.client.task(target);
    await suite.client.waitForStatus(run.run_id, 'completed');
    await receiver.until(() => receiver.at(path).length === 1);
    const [received] = receiver.at(path);
    expect(received?.failure).toBeUndefined();
    expect(received?.body.type).toBe('run.completed');
    expect(received?.body.data).toEqual(await suite.client.get(run.run_id));
    expect(Number.isNaN(Date.parse(received?.body.created_at ?? ''))).toBe(false);
    const [logged] = await settledDeliveries(subscription.id);
    expect(logged).toMatchObject({ id: received?.id, type: 'run.completed', run_id: run.run_id, attempts: 1, last_status_code: 200, next_attempt_at: null });
    expect(logged.delivered_at).not.toBeNull();
    expect(typeof logged.duration_ms).toBe('number');
    // Metrics: the worker counts the delivery and its latency; the API reports the backlog.
    const worker = await suite.worker.pool.metrics.registry.metrics();
    expect(Number(/runq_webhook_deliveries_total\{outcome="delivered"[^}]*\} (\d+)/.exec(worker)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/runq_webhook_delivery_latency_seconds_count\{[^}]*\} (\d+)/.exec(worker)?.[1])).toBeGreaterThanOrEqual(1);
    const scraped = await (await fetch(`${suite.api.url}/metrics`)).text();
    expect(scraped).toMatch(/^runq_webhook_backlog(\{[^}]*\})? \d+$/m);
  });

  it('when a run fails after its retries, then run.failed is delivered once (not the retry) and events not subscribed to are not', async () => {
    const { path, target, subscription } = await subscribe(['run.failed']);
    const run = await suite.client.task(target, { config: { do: 'fail' }, backoff_limit: 1 });
    await suite.client.waitForStatus(run.run_id, 'failed');
    const other = await suite.client.task(target);
    await suite.client.waitForStatus(other.run_id, 'completed');
    await receiver.until(() => receiver.at(path).length >= 1);
    expect((await suite.client.events(run.run_id)).map((event) => event.to_status)).toEqual(['pending', 'running', 'pending', 'running', 'failed']);
    // Outbox rows are written with the transitions: both runs are terminal, so the log is complete.
    expect((await deliveries(subscription.id)).map((entry) => entry.run_id)).toEqual([run.run_id]);
    const [only, ...rest] = receiver.at(path);
    expect(rest).toEqual([]);
    expect(only?.body).toMatchObject({ type: 'run.failed', data: { run_id: run.run_id, status: 'failed', error: { code: 'broken' } } });
  });

  it('when a run is cancelled while pending or running, then run.cancelled is delivered for each', async () => {
    const { path, target } = await subscribe(['run.cancelled', 'run.completed']);
    const running = await suite.client.task(target, { config: { do: 'hold' } });
    await suite.client.waitForStatus(running.run_id, 'running');
    expect((await suite.client.request('POST', `/runs/${running.run_id}/cancel`)).status).toBe(200);
    await receiver.until(() => receiver.at(path).length === 1);
    expect(receiver.at(path).map((entry) => [entry.body.type, entry.body.data.run_id])).toEqual([['run.cancelled', running.run_id]]);
    expect(receiver.at(path)[0]?.body.data.status).toBe('cancelled');
  });

  it('when a run waits and is resumed, then run.waiting and run.completed arrive in that order', async () => {
    const { path, target } = await subscribe();
    const run = await suite.client.task(target, { config: { do: 'wait' } });
    await suite.client.waitForStatus(run.run_id, 'waiting');
    await receiver.until(() => receiver.at(path).length === 1);
    expect(receiver.at(path)[0]?.body).toMatchObject({ type: 'run.waiting', data: { status: 'waiting', waiting_reason: 'approval' } });
    expect((await suite.client.request('POST', `/runs/${run.run_id}/resume`, { data: { ok: true } })).status).toBe(200);
    await receiver.until(() => receiver.at(path).length === 2);
    expect(receiver.at(path).map((entry) => entry.body.type)).toEqual(['run.waiting', 'run.completed']);
  });

  it('when the receiver fails twice, then the delivery is retried with the same webhook-id until it succeeds', async () => {
    const { path, target, subscription } = await subscribe(['run.completed']);
    receiver.respond(path, ({ count }) => (count <= 2 ? 503 : 204));
    const run = await suite.client.task(target);
    await receiver.until(() => receiver.at(path).some((entry) => entry.status === 204));
    const arrived = receiver.at(path);
    expect(arrived.map((entry) => entry.status)).toEqual([503, 503, 204]);
    expect(new Set(arrived.map((entry) => entry.id)).size).toBe(1);
    expect(arrived.every((entry) => entry.failure === undefined)).toBe(true);
    // Backoff: each retry waits its step of RETRY_STEPS times the base, within RETRY_JITTER.
    const [first, second, third] = arrived.map((entry) => entry.at);
    expect((third as number) - (second as number)).toBeGreaterThanOrEqual(90);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(15);
    const [logged] = await settledDeliveries(subscription.id);
    expect(logged).toMatchObject({ id: arrived[0]?.id, run_id: run.run_id, state: 'delivered', attempts: 3, last_status_code: 204 });
  });

  it('when the receiver answers with a redirect, then it is not followed and the attempt counts as failed', async () => {
    const { path, target, subscription } = await subscribe(['run.completed']);
    receiver.respond(path, ({ count }) => (count === 1 ? 307 : 200));
    await suite.client.task(target);
    await receiver.until(() => receiver.at(path).some((entry) => entry.status === 200));
    expect(receiver.at(path).map((entry) => entry.status)).toEqual([307, 200]);
    expect(receiver.at('redirected')).toEqual([]);
    const [logged] = await settledDeliveries(subscription.id);
    expect(logged).toMatchObject({ state: 'delivered', attempts: 2, last_status_code: 200 });
  });

  it('when a later event is ready while an earlier one of the same run is retrying, then the later one waits for it', async () => {
    const { path, target } = await subscribe(['run.waiting', 'run.completed']);
    receiver.respond(path, ({ body, count }) => (body.type === 'run.waiting' && count <= 2 ? 500 : 200));
    const run = await suite.client.task(target, { config: { do: 'wait' } });
    await receiver.until(() => receiver.at(path).length >= 1);
    expect((await suite.client.request('POST', `/runs/${run.run_id}/resume`, { data: 1 })).status).toBe(200);
    await receiver.until(() => receiver.at(path).some((entry) => entry.body.type === 'run.completed'));
    expect(receiver.at(path).map((entry) => `${entry.body.type} ${entry.status}`)).toEqual([
      'run.waiting 500',
      'run.waiting 500',
      'run.waiting 200',
      'run.completed 200',
    ]);
  });

  it('when deliveries fail for the whole retry window, then the subscription is disabled with the reason and can be re-enabled', async () => {
    const { path, target, subscription } = await subscribe(['run.completed']);
    receiver.respond(path, () => 500);
    const run = await suite.client.task(target);
    await suite.client.waitForStatus(run.run_id, 'completed');
    // The subscription's state lives in Postgres: read until the attempt that fails past the window has disabled it.
    const { value: current, done } = await pollUntil(
      async () => (await suite.client.request('GET', `/webhook-subscriptions/${subscription.id}`)).body,
      (body) => body.enabled === false,
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(done).toBe(true);
    expect(current.disabled_reason).toMatch(/answered 500/);
    expect(current.disabled_at).not.toBeNull();
    const [logged] = await deliveries(subscription.id);
    expect(logged).toMatchObject({ state: 'failed', last_status_code: 500, next_attempt_at: null });
    expect(logged.attempts).toBe(receiver.at(path).length);

    // Redelivering the given-up delivery after the receiver recovered: the same webhook-id, delivered.
    receiver.respond(path, () => 200);
    const enabled = await suite.client.request('PATCH', `/webhook-subscriptions/${subscription.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
    const redelivered = await suite.client.request('POST', `/webhook-subscriptions/${subscription.id}/deliveries/${logged.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    await receiver.until(() => receiver.at(path).some((entry) => entry.status === 200));
    expect(receiver.at(path).at(-1)?.id).toBe(logged.id);
  });

  it('when a subscription is disabled with a delivery still pending, then it is held, and enabling it delivers it', async () => {
    const { path, target, subscription } = await subscribe(['run.waiting', 'run.completed']);
    receiver.respond(path, () => 500);
    const run = await suite.client.task(target, { config: { do: 'wait' } });
    await receiver.until(() => receiver.at(path).length >= 1);
    const disabled = await suite.client.request('PATCH', `/webhook-subscriptions/${subscription.id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false });
    // Once the attempt in flight when it was disabled is recorded, the delivery is pending with no next attempt.
    const { value: held, done } = await pollUntil(
      () => deliveries(subscription.id),
      (rows) => rows.length === 1 && rows[0].state === 'pending' && rows[0].next_attempt_at === null && rows[0].last_status_code === 500,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(done).toBe(true);
    const attemptsWhileDisabled = receiver.at(path).length;
    expect(held[0].attempts).toBe(attemptsWhileDisabled);

    receiver.respond(path, () => 200);
    const enabled = await suite.client.request('PATCH', `/webhook-subscriptions/${subscription.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true });
    await receiver.until(() => receiver.at(path).some((entry) => entry.status === 200));
    expect((await suite.client.request('POST', `/runs/${run.run_id}/resume`, { data: 1 })).status).toBe(200);
    await receiver.until(() => receiver.at(path).some((entry) => entry.body.type === 'run.completed'));
    const afterEnable = receiver.at(path).slice(attemptsWhileDisabled);
    expect(afterEnable.map((entry) => `${entry.body.type} ${entry.status}`)).toEqual(['run.waiting 200', 'run.completed 200']);
    expect(afterEnable[0]?.id).toBe(held[0].id);
    const settled = await settledDeliveries(subscription.id);
    expect(settled.map((row) => row.state)).toEqual(['delivered', 'delivered']);
  });

  it('when a delivered event is redelivered, then the receiver gets it again with the same webhook-id', async () => {
    const { path, target, subscription } = await subscribe(['run.completed']);
    const run = await suite.client.task(target);
    await suite.client.waitForStatus(run.run_id, 'completed');
    await receiver.until(() => receiver.at(path).length === 1);
    const [logged] = await settledDeliveries(subscription.id);
    expect((await suite.client.request('POST', `/webhook-subscriptions/${subscription.id}/deliveries/${logged.id}/redeliver`)).status).toBe(202);
    await receiver.until(() => receiver.at(path).length === 2);
    expect(receiver.at(path).map((entry) => entry.id)).toEqual([logged.id, logged.id]);
  });

  it('when runs of another kind or target, or of another project, finish, then a filtered subscription hears nothing of them', async () => {
    const { path, target } = await subscribe(['run.completed'], suite.client, { kind: 'task' });
    const stranger = await RunClient.open(suite.api);
    const theirs = await stranger.task(target);
    const otherTarget = await suite.client.task(`${target}-other`);
    const agent = await suite.client.agent(target);
    const mine = await suite.client.task(target);
    for (const [client, id] of [
      [stranger, theirs.run_id],
      [suite.client, otherTarget.run_id],
      [suite.client, agent.run_id],
      [suite.client, mine.run_id],
    ] as const) {
      await client.waitForStatus(id, 'completed');
    }
    await receiver.until(() => receiver.at(path).length >= 1);
    expect(receiver.at(path).map((entry) => entry.body.data.run_id)).toEqual([mine.run_id]);
    await stranger.verifyEventLogs();
  });
});
