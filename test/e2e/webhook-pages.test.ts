import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { generateSecret } from '@runq/webhooks';
import { launchChromium, SCREENSHOTS } from '../support/browser.js';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { deliverSigned } from '../support/webhooks.js';

const ADMIN_TOKEN = `admin-${randomUUID()}`;

describe.each(QUEUE_BACKENDS)('webhook explorer pages in a real browser, queues on %s', (backend) => {
  let api: TestApi;
  let browser: Browser;
  let key: string;
  const project = randomUUID();
  let active: any;
  let paused: any;
  let runId: string;
  let deliveryId: string;

  beforeAll(async () => {
    api = await startTestApi({ backend, env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    key = await api.createKey([project]);
    const run = { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'build' } };
    active = (await requestJson(api.url, 'POST', '/webhooks', { key, body: { name: 'ci pushes <b>', run } })).body;
    paused = (await requestJson(api.url, 'POST', '/webhooks', { key, body: { name: 'paused hook', run, paused: true } })).body;
    const accepted = await deliverSigned(api, active.id, active.secret, 'msg_explorer', '{"sha":"abc"}');
    expect(accepted.status).toBe(202);
    runId = accepted.body.run.run_id;
    deliveryId = accepted.body.delivery_id;
    expect((await deliverSigned(api, active.id, generateSecret(), 'msg_forged', '{}')).status).toBe(401);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('when webhooks exist, then the explorer lists them with their latest delivery, an endpoint page lists its deliveries, and a run page shows its webhook trigger', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      await page.goto(`${api.url}/admin`);
      await Promise.all([page.waitForURL(/\/admin\/webhooks$/), page.getByRole('link', { name: 'Webhooks', exact: true }).click()]);
      const activeRow = page.locator(`#webhooks tr[data-webhook-id="${active.id}"]`);
      // Names are user data: shown as text, never as markup.
      await activeRow.getByRole('link', { name: 'ci pushes <b>' }).waitFor();
      expect(await activeRow.locator('.last-delivery [data-outcome]').getAttribute('data-outcome')).toBe('rejected');
      expect(await page.locator(`#webhooks tr[data-webhook-id="${paused.id}"] [data-paused="true"]`).count()).toBe(1);
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-webhooks.png`, fullPage: true });

      await Promise.all([page.waitForURL(new RegExp(`/admin/webhooks/${active.id}$`)), activeRow.getByRole('link', { name: 'ci pushes <b>' }).click()]);
      const outcomes = await page.locator('#deliveries tr.delivery').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-outcome')));
      expect(outcomes).toEqual(['rejected', 'accepted']);
      expect(await page.locator(`#delivery-${deliveryId}`).textContent()).toContain('msg_explorer');
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-webhook.png`, fullPage: true });

      await Promise.all([page.waitForURL(new RegExp(`/admin/runs/${runId}$`)), page.getByRole('link', { name: runId }).click()]);
      const trigger = page.locator('#trigger');
      expect(await trigger.locator('#trigger-webhook').textContent()).toBe('ci pushes <b>');
      expect(await trigger.locator('#trigger-delivery').textContent()).toBe('msg_explorer');
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-run-webhook-trigger.png`, fullPage: true });
      await Promise.all([page.waitForURL(new RegExp(`/admin/webhooks/${active.id}#delivery-${deliveryId}$`)), trigger.locator('#trigger-delivery').click()]);
    } finally {
      await context.close();
    }
  });

  it('when no credentials are given, then the webhook pages are refused', async () => {
    const answer = await fetch(`${api.url}/admin/webhooks`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('Basic');
  });
});
