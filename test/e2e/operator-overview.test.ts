import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOTS } from '../support/browser.js';
import { QUEUE_BACKENDS, requestJson, startTestApi, startTestWorker, waitForRun, type TestApi, type TestWorker } from '../support/harness.js';

const ADMIN_TOKEN = `admin-${randomUUID()}`;

/** What a chart shows, read back from the page: each series' total (`data-total`) or each bar's value. */
async function chartValues(page: Page, chart: string): Promise<Record<string, number>> {
  return page
    .locator(`[data-chart="${chart}"]`)
    .evaluate((figure) =>
      Object.fromEntries(
        [...figure.querySelectorAll('[data-series], [data-bar]')].map((node) => [
          node.getAttribute('data-series') ?? node.getAttribute('data-bar') ?? '',
          Number(node.getAttribute('data-total') ?? node.getAttribute('data-value')),
        ]),
      ),
    );
}

describe.each(QUEUE_BACKENDS)('operator overview in a real browser, queues on %s', (backend) => {
  let api: TestApi;
  let worker: TestWorker;
  let browser: Browser;
  let key: string;
  const project = randomUUID();

  const create = async (kind: 'task' | 'workflow' | 'eval', name: string) => {
    const request = kind === 'workflow' ? { workflow_id: name, target: 'main' } : { target: name };
    const created = await requestJson(api.url, 'POST', '/runs', { key, body: { kind, owner: { kind: 'project', id: project }, request } });
    expect(created.status).toBe(202);
    return created.body.run.run_id as string;
  };

  beforeAll(async () => {
    api = await startTestApi({ backend, env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    key = await api.createKey([project]);
    // No worker takes eval runs: they stay pending, the backlog.
    worker = await startTestWorker(
      api,
      {
        task: {
          ok: () => ({ output: { ok: true } }),
          boom: () => {
            throw Object.assign(new Error('exploded on purpose'), { code: 'kaboom' });
          },
        },
        workflow: { '*': () => ({ output: { ok: true } }) },
      },
      { kinds: 'task,workflow' },
    );
    const ids = await Promise.all([
      ...['ok', 'ok', 'ok', 'boom', 'boom'].map((target) => create('task', target)),
      create('workflow', 'nightly'),
      create('eval', 'held'),
      create('eval', 'held'),
    ]);
    await Promise.all(ids.slice(0, 6).map((id) => waitForRun(api, key, id, (run) => run.status === 'completed' || run.status === 'failed')));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await api?.close();
  });

  it('when no credentials are given, then the overview and its charts fragment are refused', async () => {
    for (const path of ['/admin', '/admin/overview/charts']) {
      const answer = await fetch(`${api.url}${path}`);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('Basic');
    }
  });

  it('when logged in, then the charts show the runs created, completed, failed and pending, the queue wait and the busiest project, and new runs appear without a reload', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    try {
      const page = await context.newPage();
      const refreshes: number[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === '/admin/overview/charts') refreshes.push(response.status());
      });
      expect((await page.goto(`${api.url}/admin`))?.status()).toBe(200);
      expect(await chartValues(page, 'created')).toEqual({ agent: 0, workflow: 1, task: 5, eval: 2 });
      expect(await chartValues(page, 'completed')).toEqual({ agent: 0, workflow: 1, task: 3, eval: 0 });
      expect(await chartValues(page, 'failed')).toEqual({ agent: 0, workflow: 0, task: 2, eval: 0 });
      expect(await chartValues(page, 'backlog')).toEqual({ 'agent pending': 0, 'workflow pending': 0, 'task pending': 0, 'eval pending': 2 });
      expect(await chartValues(page, 'projects')).toEqual({ [project]: 8 });
      // Six runs started: their waits are drawn (the highest minute's p95 is at least its p50).
      const wait = await chartValues(page, 'queue-wait');
      expect(wait['p95']).toBeGreaterThanOrEqual(wait['p50']!);
      expect(await page.locator('[data-chart="queue-wait"] polyline').count()).toBe(2);
      await page.screenshot({ path: `${SCREENSHOTS}overview-${backend}.png`, fullPage: true });

      // Live: runs created now show up on the open page when its script refreshes the charts.
      const more = await Promise.all([create('task', 'ok'), create('task', 'ok')]);
      await Promise.all(more.map((id) => waitForRun(api, key, id, (run) => run.status === 'completed')));
      await page.locator('[data-chart="completed"] [data-series="task"][data-total="5"]').waitFor({ state: 'attached', timeout: 15_000 });
      expect(await chartValues(page, 'created')).toMatchObject({ task: 7 });
      expect(await chartValues(page, 'projects')).toEqual({ [project]: 10 });
      expect(refreshes.length).toBeGreaterThan(0);
      expect(refreshes.filter((status) => status !== 200)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
