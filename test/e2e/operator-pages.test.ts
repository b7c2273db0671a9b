import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { RunQueues } from '@runq/queue';
import { launchChromium, SCREENSHOTS } from '../support/browser.js';
import { QUEUE_BACKENDS, requestJson, startTestApi, startTestWorker, waitForRun, type TestApi, type TestWorker } from '../support/harness.js';

const ADMIN_TOKEN = `admin-${randomUUID()}`;

describe.each(QUEUE_BACKENDS)('operator pages in a real browser, queues on %s', (backend) => {
  let api: TestApi;
  let worker: TestWorker;
  let browser: Browser;
  let queues: RunQueues;
  let key: string;
  const project = randomUUID();
  const ids: Record<string, string> = {};

  const create = async (target: string) =>
    (await requestJson(api.url, 'POST', '/runs', { key, body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target } } })).body.run
      .run_id as string;

  beforeAll(async () => {
    api = await startTestApi({ backend, env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    key = await api.createKey([project]);
    worker = await startTestWorker(api, {
      task: {
        ok: () => ({ output: { ok: true } }),
        boom: () => {
          throw Object.assign(new Error('exploded on purpose'), { code: 'kaboom' });
        },
        approve: (_run, ctx) => (ctx.resume ? { output: ctx.resume.data } : ctx.wait('approval')),
        block: (_run, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ output: 'stopped' }))),
      },
    });
    queues = RunQueues.open({ databaseUrl: api.config.databaseUrl, redisUrl: api.config.redisUrl, prefix: api.config.queuePrefix });
    ids['ok'] = await create('ok');
    ids['boom'] = await create('boom');
    ids['approve'] = await create('approve');
    await waitForRun(api, key, ids['ok'], (run) => run.status === 'completed');
    await waitForRun(api, key, ids['boom'], (run) => run.status === 'failed');
    await waitForRun(api, key, ids['approve'], (run) => run.status === 'waiting');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await queues?.close();
    await worker?.close();
    await api?.close();
  });

  it('when no credentials are given, then the dashboard and the explorer are refused', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      for (const path of ['/admin/queues', '/admin/runs', '/admin/schedules']) {
        // The browser has no credentials to answer the challenge with: navigation fails.
        await expect(page.goto(`${api.url}${path}`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
        const answer = await context.request.get(`${api.url}${path}`);
        expect(answer.status()).toBe(401);
        expect(answer.headers()['www-authenticate']).toContain('Basic');
      }
    } finally {
      await context.close();
    }
  });

  it("when logged in, then the board shows the four queues with the API's counts and a kept completed job opens", async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      expect((await page.goto(`${api.url}/admin/queues`))?.status()).toBe(200);
      for (const kind of ['agent', 'workflow', 'task', 'eval']) {
        await page.getByRole('link', { name: kind, exact: true }).first().waitFor();
      }
      // The board's own API (what its page renders) agrees with the queues' counts.
      const board = (await (await page.request.get(`${api.url}/admin/queues/api/queues`)).json()) as {
        queues: Array<{ name: string; counts: Record<string, number> }>;
      };
      const expected = await queues.counts();
      for (const queue of board.queues) {
        const counts = expected[queue.name as keyof typeof expected];
        expect(queue.counts['completed']).toBe(counts['completed']);
        expect(queue.counts['failed']).toBe(counts['failed']);
      }
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-queues.png`, fullPage: true });
      if (backend === 'postgres') {
        // BullMQ's PostgreSQL backend removes finished jobs as they finish (FINISHED_JOB_RETENTION).
        expect(board.queues.map((queue) => queue.counts['completed'])).toEqual([0, 0, 0, 0]);
        return;
      }
      expect(board.queues.find((queue) => queue.name === 'task')?.counts['completed']).toBeGreaterThanOrEqual(2);
      await page.goto(`${api.url}/admin/queues/queue/task?status=completed`);
      await page
        .getByText(ids['ok'] as string)
        .first()
        .waitFor();
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-queue-task-completed.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('when the explorer is filtered on failed runs, then it lists them and a run page shows its timeline', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      await page.goto(`${api.url}/admin/runs`);
      await page.selectOption('select[name="status"]', 'failed');
      await Promise.all([page.waitForURL(/status=failed/), page.getByRole('button', { name: 'Filter' }).click()]);
      const statuses = await page.locator('#runs tbody [data-status]').allTextContents();
      expect(statuses.length).toBeGreaterThan(0);
      expect(new Set(statuses)).toEqual(new Set(['failed']));
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-runs-failed.png`, fullPage: true });
      await Promise.all([page.waitForURL(new RegExp(ids['boom'] as string)), page.getByRole('link', { name: ids['boom'] }).click()]);
      const timeline = await page.locator('#timeline tr.event').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-to')));
      expect(timeline).toEqual(['pending', 'running', 'failed']);
      expect(await page.locator('#timeline').textContent()).toContain('exploded on purpose (kaboom)');
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-run-failed.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('when a waiting run is cancelled from its page, then the page and the API show it cancelled', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      await page.goto(`${api.url}/admin/runs/${ids['approve']}`);
      expect(await page.locator('h1 [data-status]').getAttribute('data-status')).toBe('waiting');
      await Promise.all([page.waitForURL(/notice=/), page.locator('#cancel').click()]);
      expect(await page.locator('h1 [data-status]').getAttribute('data-status')).toBe('cancelled');
      expect(await page.getByRole('status').textContent()).toContain('Run cancelled.');
      const run = await requestJson(api.url, 'GET', `/runs/${ids['approve']}`, { key });
      expect(run.body.status).toBe('cancelled');
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-run-cancelled.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('when runs have not started, then their pages say why (no worker for the runtime target, or a full concurrency bucket with its use), and the policies page shows the bucket', async () => {
    const environment = randomUUID();
    const unserved = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: {
        kind: 'task',
        owner: { kind: 'project', id: project },
        request: { target: 'ok', runtime_target_kind: 'environment', runtime_target_environment_id: environment },
      },
    });
    const policy = await requestJson(api.url, 'PUT', '/policies/one-block', {
      key,
      body: { match: { kind: 'task', target: 'block' }, concurrency: { limit: 1 } },
    });
    expect(policy.status).toBe(201);
    const first = await create('block');
    await waitForRun(api, key, first, (run) => run.status === 'running');
    const second = await create('block');
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      await page.goto(`${api.url}/admin/runs/${unserved.body.run.run_id}`);
      expect(await page.locator('#pending-reason').textContent()).toContain(`no live worker serves its runtime target environment:${environment}`);
      await page.goto(`${api.url}/admin/runs/${second}`);
      expect(await page.locator('#pending-reason').textContent()).toMatch(
        /held: its concurrency bucket is full\s*policy one-block, bucket \S+: 1 \/ 1 running/,
      );
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-pending-reason.png`, fullPage: true });
      await page.goto(`${api.url}/admin/runs/${first}`);
      expect(await page.locator('#pending-reason').count()).toBe(0);
      await Promise.all([page.waitForURL(/\/admin\/policies$/), page.getByRole('link', { name: 'Policies', exact: true }).click()]);
      const bucket = page.locator('#policies tr[data-policy="one-block"] .bucket');
      expect(await bucket.textContent()).toBe('*: 1 / 1 running, 1 held');
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-policies.png`, fullPage: true });
    } finally {
      await context.close();
      for (const id of [unserved.body.run.run_id, second, first]) await requestJson(api.url, 'POST', `/runs/${id}/cancel`, { key, body: {} });
      await requestJson(api.url, 'DELETE', '/policies/one-block', { key });
    }
  });

  it('when schedules exist, then the explorer lists them (next fire, last outcome, paused) and a schedule page links its occurrences to their runs', async () => {
    const run = { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'ok' } };
    const active = (
      await requestJson(api.url, 'POST', '/schedules', { key, body: { key: 'explorer-active', spec: { every: '1s' }, overlap: 'allow', max_runs: 2, run } })
    ).body;
    const paused = (await requestJson(api.url, 'POST', '/schedules', { key, body: { key: 'explorer-paused', spec: { cron: '0 3 * * *' }, paused: true, run } }))
      .body;
    const deadline = Date.now() + 15_000;
    let occurrences: any[] = [];
    while (Date.now() < deadline) {
      occurrences = (await requestJson(api.url, 'GET', `/schedules/${active.id}/occurrences`, { key })).body.data;
      if (occurrences.filter((row: any) => row.run_id).length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(occurrences.filter((row: any) => row.run_id)).toHaveLength(2);
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      await page.goto(`${api.url}/admin/runs`);
      await Promise.all([page.waitForURL(/\/admin\/schedules$/), page.getByRole('link', { name: 'Schedules', exact: true }).click()]);
      const activeRow = page.locator(`#schedules tr[data-schedule-id="${active.id}"]`);
      expect(await activeRow.locator('.last-outcome [data-outcome]').getAttribute('data-outcome')).toBe('created');
      expect(await activeRow.locator('.next-fire').textContent()).toContain('—');
      const pausedRow = page.locator(`#schedules tr[data-schedule-id="${paused.id}"]`);
      expect(await pausedRow.locator('[data-paused]').textContent()).toBe('paused');
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-schedules.png`, fullPage: true });
      await Promise.all([page.waitForURL(new RegExp(active.id)), page.getByRole('link', { name: 'explorer-active' }).click()]);
      const rows = await page.locator('#occurrences tr.occurrence').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-outcome')));
      expect(rows).toEqual(['created', 'created']);
      const runLinks = await page.locator('#occurrences a').allTextContents();
      expect(new Set(runLinks)).toEqual(new Set(occurrences.map((row: any) => row.run_id)));
      await page.screenshot({ path: `${SCREENSHOTS}${backend}-schedule.png`, fullPage: true });
      await Promise.all([page.waitForURL(/\/admin\/runs\/run_/), page.locator('#occurrences a').first().click()]);
      await Promise.all([page.waitForURL(new RegExp(`/admin/schedules/${active.id}`)), page.getByRole('link', { name: active.id }).click()]);
      await page.goto(`${api.url}/admin/schedules/${paused.id}`);
      expect(await page.locator('h1 [data-paused]').textContent()).toBe('paused');
    } finally {
      await context.close();
      for (const id of [active.id, paused.id]) await requestJson(api.url, 'DELETE', `/schedules/${id}`, { key });
    }
  });

  it('when a cross-site form posts to an admin action, then it is refused', async () => {
    const other = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'approve' } },
    });
    const id = other.body.run.run_id as string;
    await waitForRun(api, key, id, (run) => run.status === 'waiting');
    const response = await fetch(`${api.url}/admin/runs/${id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`, origin: 'https://evil.example' },
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
    expect((await requestJson(api.url, 'GET', `/runs/${id}`, { key })).body.status).toBe('waiting');
  });
});
