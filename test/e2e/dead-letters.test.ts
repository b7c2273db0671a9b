import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { QUEUE_BACKENDS, requestJson, startTestApi, startTestWorker, waitForRun, type TestApi, type TestWorker } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';

const ADMIN_TOKEN = `admin-${randomUUID()}`;

describe.each(QUEUE_BACKENDS)('batch progress, replays and dead letters in a real browser, queues on %s', (backend) => {
  let api: TestApi;
  let worker: TestWorker;
  let browser: Browser;
  let key: string;
  const project = randomUUID();
  const task = (target: string) => ({ kind: 'task', owner: { kind: 'project', id: project }, request: { target } });

  beforeAll(async () => {
    api = await startTestApi({ backend, env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    key = await api.createKey([project]);
    worker = await startTestWorker(api, {
      task: {
        ok: () => ({ output: { ok: true } }),
        // Fails with code `kaboom` unless it is a replay.
        boom: (run) => {
          if ((run.metadata as { replay_of?: string } | null)?.replay_of) return { output: 'replayed' };
          throw Object.assign(new Error('exploded on purpose'), { code: 'kaboom' });
        },
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await api?.close();
  });

  const adminContext = () => browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });

  it('when a batch finishes, then its page shows every run counted by status', async () => {
    const batch = await requestJson(api.url, 'POST', '/batches', { key, body: { items: [task('ok'), task('ok'), task('boom')] } });
    const batchId = batch.body.batch_id as string;
    await pollUntil(
      async () => (await requestJson(api.url, 'GET', `/batches/${batchId}`, { key })).body,
      (body) => body.done,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const context = await adminContext();
    try {
      const page = await context.newPage();
      expect((await page.goto(`${api.url}/admin/batches/${batchId}`))?.status()).toBe(200);
      expect(await page.locator('#batch-summary').textContent()).toContain('3 of 3 runs finished (100%) · done');
      expect(await page.locator('#batch-counts tr[data-status="completed"] a').textContent()).toBe('2');
      expect(await page.locator('#batch-counts tr[data-status="failed"] a').textContent()).toBe('1');
      expect((await page.goto(`${api.url}/admin/batches/${randomUUID()}`))?.status()).toBe(404);
    } finally {
      await context.close();
    }
  });

  it('when a dead letter is replayed from the view, then the replay runs and the original lists it; a bulk replay goes through a bulk action', async () => {
    const failed = await Promise.all(
      [1, 2, 3].map(async () => (await requestJson(api.url, 'POST', '/runs', { key, body: task('boom') })).body.run.run_id as string),
    );
    for (const runId of failed) await waitForRun(api, key, runId, (run) => run.status === 'failed');
    const context = await adminContext();
    try {
      const page = await context.newPage();
      expect((await page.goto(`${api.url}/admin/dead-letters`))?.status()).toBe(200);
      const group = page.locator('#dead-letter-groups tr.group[data-code="kaboom"]');
      expect(Number(await group.locator('td').nth(2).textContent())).toBeGreaterThanOrEqual(3);
      const [first] = failed;
      // Single replay: the form posts to the run explorer's replay action, which lands on the new run.
      await page.locator(`#dead-letters tr[data-run="${first}"] button.replay`).click();
      await page.waitForURL(/\/admin\/runs\/run_/);
      expect(await page.locator('.notice').textContent()).toContain(`Replay of ${first}`);
      const replayId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
      expect(replayId).not.toBe(first);
      await waitForRun(api, key, replayId, (run) => run.status === 'completed');
      await page.goto(`${api.url}/admin/runs/${first}`);
      expect(await page.locator('#replays .replay a').allTextContents()).toEqual([replayId]);

      // Bulk replay of the group's failed runs: a bulk action, which the worker works through.
      await page.goto(`${api.url}/admin/dead-letters`);
      await group.locator('button.bulk-replay').click();
      await page.waitForURL(/notice=/);
      const notice = (await page.locator('.notice').textContent()) ?? '';
      const actionId = /Bulk replay ([0-9a-f-]{36}) started/.exec(notice)?.[1] ?? '';
      expect(actionId).not.toBe('');
      const done = await pollUntil(
        async () => (await requestJson(api.url, 'GET', `/bulk-actions/${actionId}`, { key })).body,
        (body) => body.status === 'completed',
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(done.value.succeeded).toBeGreaterThanOrEqual(3);
      // The group's replay covers its error code only.
      expect(done.value.filter).toMatchObject({ status: 'failed', error_code: 'kaboom' });
      for (const runId of failed) {
        const listed = await requestJson(
          api.url,
          'GET',
          `/runs?${new URLSearchParams({ created_after: new Date(Date.now() - 3_600_000).toISOString(), limit: '100' })}`,
          { key },
        );
        expect(listed.body.data.filter((run: any) => run.metadata?.replay_of === runId).length).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await context.close();
    }
  });

  it('when a replay is posted from another origin, then it is refused and nothing is replayed', async () => {
    const runId = (await requestJson(api.url, 'POST', '/runs', { key, body: task('ok') })).body.run.run_id as string;
    await waitForRun(api, key, runId, (run) => run.status === 'completed');
    const answer = await fetch(`${api.url}/admin/runs/${runId}/replay`, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`, origin: 'https://evil.example' },
    });
    expect(answer.status).toBe(403);
    const replays = await api.db.selectFrom('runs').select('id').where('trigger_id', '=', runId).execute();
    expect(replays).toEqual([]);
  });
});
