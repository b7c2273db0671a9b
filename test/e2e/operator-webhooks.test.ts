import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { launchChromium, SCREENSHOTS } from '../support/browser.js';
import { QUEUE_BACKENDS, requestJson, startTestApi, startTestWorker, waitForRun, type TestApi, type TestWorker } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const ADMIN_TOKEN = `admin-${randomUUID()}`;

describe.each(QUEUE_BACKENDS)('the webhook subscriptions explorer in a real browser, queues on %s', (backend) => {
  let api: TestApi;
  let worker: TestWorker;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let key: string;
  const project = randomUUID();
  const subscriptions: Record<'ok' | 'broken', { id: string }> = {} as never;
  let runId = '';

  beforeAll(async () => {
    api = await startTestApi({ backend, env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN, RUNQ_WEBHOOK_ALLOW_PRIVATE: '1' } });
    key = await api.createKey([project]);
    receiver = await WebhookReceiver.start();
    receiver.respond('broken', () => 500);
    worker = await startTestWorker(
      api,
      { task: { ok: () => ({ output: { ok: true } }) } },
      { env: { RUNQ_WEBHOOK_ALLOW_PRIVATE: '1', RUNQ_WEBHOOK_RETRY_BASE_MS: '20', RUNQ_WEBHOOK_RETRY_WINDOW_MS: '1000' } },
    );
    for (const name of ['ok', 'broken'] as const) {
      const created = await requestJson(api.url, 'POST', '/webhook-subscriptions', { key, body: { url: receiver.url(name), events: ['run.completed'] } });
      subscriptions[name] = created.body;
      receiver.setSecret(name, created.body.secret);
    }
    runId = (await requestJson(api.url, 'POST', '/runs', { key, body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'ok' } } }))
      .body.run.run_id;
    await waitForRun(api, key, runId, (run) => run.status === 'completed');
    await receiver.until(() => receiver.at('ok').length === 1);
    const { done } = await pollUntil(
      async () => (await requestJson(api.url, 'GET', `/webhook-subscriptions/${subscriptions.broken.id}`, { key })).body,
      (body) => body.enabled === false,
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    if (!done) throw new Error('the failing subscription was not disabled');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await receiver?.close();
    await api?.close();
  });

  it('when an operator opens the subscriptions, then each shows its state, a disabled one its reason, and a subscription page its deliveries linked to their runs', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      await page.goto(`${api.url}/admin/runs`);
      await Promise.all([page.waitForURL(/\/admin\/webhook-subscriptions$/), page.getByRole('link', { name: 'Subscriptions', exact: true }).click()]);
      const okRow = page.locator(`#subscriptions tr[data-subscription-id="${subscriptions.ok.id}"]`);
      const brokenRow = page.locator(`#subscriptions tr[data-subscription-id="${subscriptions.broken.id}"]`);
      await okRow.locator('[data-enabled="true"]').waitFor();
      await brokenRow.locator('[data-enabled="false"]').waitFor();
      expect(await brokenRow.locator('.disabled-reason').textContent()).toMatch(/answered 500/);
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-webhook-subscriptions.png`, fullPage: true });

      await Promise.all([page.waitForURL(new RegExp(`/admin/webhook-subscriptions/${subscriptions.ok.id}`)), okRow.getByRole('link').click()]);
      const delivered = page.locator('#deliveries tr.delivery');
      expect(await delivered.count()).toBe(1);
      expect(await delivered.getAttribute('data-delivery-id')).toBe(receiver.at('ok')[0]?.id);
      expect(await delivered.locator('[data-state]').textContent()).toBe('delivered');
      expect(await delivered.locator('.status-code').textContent()).toBe('200');
      await Promise.all([page.waitForURL(new RegExp(`/admin/runs/${runId}`)), delivered.getByRole('link', { name: runId }).click()]);

      await page.goto(`${api.url}/admin/webhook-subscriptions/${subscriptions.broken.id}`);
      expect(await page.locator('#disabled-reason').textContent()).toMatch(/^Disabled \d{4}-.*answered 500/);
      const failed = page.locator('#deliveries tr.delivery');
      expect(await failed.getAttribute('data-state')).toBe('failed');
      expect(Number(await failed.locator('td').nth(4).textContent())).toBe(receiver.at('broken').length);
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-webhook-subscription-disabled.png`, fullPage: true });
      expect((await page.goto(`${api.url}/admin/webhook-subscriptions/${randomUUID()}`))?.status()).toBe(404);
    } finally {
      await context.close();
    }
  });
});
