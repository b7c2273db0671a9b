import { randomUUID } from 'node:crypto';
import { createRunqClient, RunqProblemError, type RunqClient, type WebhookDelivery } from '@runq/client';
import { runCli } from '../support/cli.js';
import { pollUntil } from '../support/poll.js';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from '../support/harness.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

describe('webhook subscriptions through the typed client and the command line', () => {
  let api: TestApi;
  let worker: TestWorker;
  let client: RunqClient;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  const project = randomUUID();

  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_WEBHOOK_ALLOW_PRIVATE: '1' } });
    const key = await api.createKey([project]);
    client = createRunqClient({ baseUrl: api.url, token: key });
    env = { RUNQ_URL: api.url, RUNQ_API_KEY: key };
    receiver = await WebhookReceiver.start();
    worker = await startTestWorker(api, { task: { echo: () => ({ output: 'ok' }) } }, { env: { RUNQ_WEBHOOK_ALLOW_PRIVATE: '1' } });
  });
  afterAll(async () => {
    await worker?.close();
    await receiver?.close();
    await api?.close();
  });

  it('when runq.webhookSubscriptions is used, then create, get, update, list, deliveries, redeliver and delete work as the API says', async () => {
    const created = await client.webhookSubscriptions.create({ url: receiver.url('client'), events: ['run.completed'], filter: { target: 'echo' } });
    receiver.setSecret('client', created.secret);
    expect(created.secret).toMatch(/^whsec_/);
    expect(await client.webhookSubscriptions.get(created.id)).toMatchObject({ id: created.id, enabled: true, filter: { kind: null, target: 'echo' } });
    const run = await client.runs.create({ kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'echo' } });
    await receiver.until(() => receiver.at('client').length === 1);
    // The worker records the answer after the receiver has it: read the log until it has.
    const { value: deliveries, done } = await pollUntil(
      async () => {
        const listed: WebhookDelivery[] = [];
        for await (const delivery of client.webhookSubscriptions.deliveries(created.id)) listed.push(delivery);
        return listed;
      },
      (listed) => listed.length === 1 && listed[0]?.state !== 'pending',
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(done).toBe(true);
    expect(deliveries).toMatchObject([{ id: receiver.at('client')[0]?.id, run_id: run.run.run_id, state: 'delivered', attempts: 1 }]);
    expect((await client.webhookSubscriptions.redeliver(created.id, deliveries[0]?.id as string)).state).toBe('pending');
    await receiver.until(() => receiver.at('client').length === 2);
    expect(receiver.at('client').every((entry) => entry.failure === undefined && entry.id === deliveries[0]?.id)).toBe(true);
    expect((await client.webhookSubscriptions.update(created.id, { enabled: false })).enabled).toBe(false);
    const listed = [];
    for await (const subscription of client.webhookSubscriptions.list()) listed.push(subscription.id);
    expect(listed).toContain(created.id);
    await client.webhookSubscriptions.delete(created.id);
    expect(await client.webhookSubscriptions.get(created.id).catch((error: unknown) => error)).toBeInstanceOf(RunqProblemError);
    const refused = await client.webhookSubscriptions.create({ url: 'ftp://example.com/', events: ['run.failed'] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RunqProblemError);
    expect((refused as RunqProblemError).errors[0]?.path).toBe('/url');
  });

  it('when runq subscriptions is run, then it creates (printing the secret once), lists, shows deliveries, disables, enables and deletes', async () => {
    const created = await runCli(['subscriptions', 'create', '--url', receiver.url('cli'), '--event', 'run.completed', '--target', 'echo', '--json'], env);
    expect(created.code).toBe(0);
    const subscription = JSON.parse(created.stdout) as { id: string; secret: string };
    receiver.setSecret('cli', subscription.secret);
    const human = await runCli(['subscriptions', 'get', subscription.id], env);
    expect(human.stdout).toContain(`${subscription.id}  ${receiver.url('cli')}  run.completed  echo  enabled`);
    expect(human.stdout).not.toContain(subscription.secret);
    await client.runs.create({ kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'echo' } });
    await receiver.until(() => receiver.at('cli').length === 1);
    const deliveries = await runCli(['subscriptions', 'deliveries', subscription.id], env);
    expect(deliveries.stdout).toMatch(new RegExp(`^${receiver.at('cli')[0]?.id}  run.completed  \\S+  delivered  attempts 1  200 `));
    expect((await runCli(['subscriptions', 'list'], env)).stdout).toContain(subscription.id);
    expect((await runCli(['subscriptions', 'disable', subscription.id], env)).stdout).toContain('disabled');
    expect((await runCli(['subscriptions', 'enable', subscription.id], env)).stdout).toContain('enabled');
    const bad = await runCli(['subscriptions', 'create', '--url', 'http://user:pw@example.com/'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/url/);
    expect((await runCli(['subscriptions', 'delete', subscription.id], env)).stdout).toBe(`deleted ${subscription.id}\n`);
    expect((await runCli(['subscriptions', 'get', subscription.id], env)).code).not.toBe(0);
  });
});
