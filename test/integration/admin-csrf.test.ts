import { randomUUID } from 'node:crypto';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { createRun, expectProblem } from '../support/run-api.js';

const ADMIN_TOKEN = `admin-${randomUUID()}`;
const BASIC = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;

/**
 * The admin pages authenticate with HTTP basic auth, which a browser attaches to any request
 * to the API's origin, including one a foreign page makes it send. Their actions (the run
 * explorer's cancel and resume forms, Bull Board's queue API) must therefore refuse
 * cross-site requests, and still work from the pages themselves.
 */
describe('admin pages refuse cross-site requests (CSRF)', () => {
  let api: TestApi;
  let key: string;
  let queueName: string;
  const project = randomUUID();

  /** Headers of a request made by a browser, from `origin` (or from no page at all when undefined). */
  const browser = (site: { origin?: string; fetchSite?: string }): Record<string, string> => ({
    authorization: BASIC,
    ...(site.origin !== undefined ? { origin: site.origin } : {}),
    ...(site.fetchSite !== undefined ? { 'sec-fetch-site': site.fetchSite } : {}),
  });
  const CROSS_SITE = [
    { origin: 'https://evil.example', fetchSite: 'cross-site' },
    { origin: 'https://evil.example' },
    { origin: 'null', fetchSite: 'cross-site' },
    { fetchSite: 'cross-site' },
    { fetchSite: 'same-site' },
    { origin: 'not a url' },
  ];

  const pendingRun = async () =>
    (await createRun(api, key, { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'csrf' } })).run.run_id as string;
  const statusOf = async (runId: string) => (await requestJson(api.url, 'GET', `/runs/${runId}`, { key })).body.status as string;
  const isPaused = async () => {
    const listed = await requestJson(api.url, 'GET', '/admin/queues/api/queues', { headers: { authorization: BASIC } });
    expect(listed.status).toBe(200);
    return (listed.body.queues as { name: string; isPaused: boolean }[]).find((queue) => queue.name === queueName)!.isPaused;
  };
  const explorerPost = (path: string, headers: Record<string, string>, form?: string) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { ...headers, ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form !== undefined ? { body: form } : {}),
      redirect: 'manual',
    });

  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    key = await api.createKey([project]);
    const listed = await requestJson(api.url, 'GET', '/admin/queues/api/queues', { headers: { authorization: BASIC } });
    queueName = listed.body.queues[0].name;
  });
  afterAll(async () => {
    await api?.close();
  });

  it.each(CROSS_SITE)('when a foreign page makes the browser post a cancel to the run explorer (%o), then 403 and the run is untouched', async (site) => {
    const runId = await pendingRun();
    const response = await explorerPost(`/admin/runs/${runId}/cancel`, browser(site));
    expect(response.status).toBe(403);
    expectProblem({ status: response.status, headers: response.headers, body: await response.json() }, 403, 'forbidden');
    expect(await statusOf(runId)).toBe('pending');
  });

  it('when a foreign page makes the browser post a resume form, then 403 before the form is read', async () => {
    const runId = await pendingRun();
    const response = await explorerPost(`/admin/runs/${runId}/resume`, browser({ origin: 'https://evil.example', fetchSite: 'cross-site' }), 'data=%7B%7D');
    expect(response.status).toBe(403);
    expect(await statusOf(runId)).toBe('pending');
  });

  it('when the run explorer posts its own cancel form (same origin), then the run is cancelled and the page redirects back to it', async () => {
    const runId = await pendingRun();
    const response = await explorerPost(`/admin/runs/${runId}/cancel`, browser({ origin: api.url, fetchSite: 'same-origin' }), '');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(new RegExp(`^/admin/runs/${runId}\\?notice=`));
    expect(await statusOf(runId)).toBe('cancelled');
  });

  it('when a page on the same host but over another scheme makes the browser post an action, then 403: the scheme is part of the origin', async () => {
    const otherScheme = api.url.replace(/^http:/, 'https:');
    const runId = await pendingRun();
    const response = await explorerPost(`/admin/runs/${runId}/cancel`, browser({ origin: otherScheme, fetchSite: 'same-site' }), '');
    expect(response.status).toBe(403);
    await response.text();
    expect(await statusOf(runId)).toBe('pending');
    const paused = await requestJson(api.url, 'PUT', `/admin/queues/api/queues/${encodeURIComponent(queueName)}/pause`, {
      headers: browser({ origin: otherScheme }),
    });
    expectProblem(paused, 403, 'forbidden');
    expect(await isPaused()).toBe(false);
  });

  it('when an untrusted peer says the client used https, then its https Origin is still refused: X-Forwarded-Proto is believed from trusted proxies only', async () => {
    const runId = await pendingRun();
    const headers = { ...browser({ origin: api.url.replace(/^http:/, 'https:') }), 'x-forwarded-proto': 'https' };
    const response = await explorerPost(`/admin/runs/${runId}/cancel`, headers, '');
    expect(response.status).toBe(403);
    await response.text();
    expect(await statusOf(runId)).toBe('pending');
  });

  it('when a browser sends no Origin, then a Referer from another origin is refused and one from the admin pages is accepted', async () => {
    const foreign = await pendingRun();
    const refused = await explorerPost(
      `/admin/runs/${foreign}/cancel`,
      { authorization: BASIC, referer: `${api.url.replace(/^http:/, 'https:')}/admin/runs` },
      '',
    );
    expect(refused.status).toBe(403);
    await refused.text();
    expect(await statusOf(foreign)).toBe('pending');
    const own = await pendingRun();
    const accepted = await explorerPost(`/admin/runs/${own}/cancel`, { authorization: BASIC, referer: `${api.url}/admin/runs/${own}` }, '');
    expect(accepted.status).toBe(303);
    expect(await statusOf(own)).toBe('cancelled');
  });

  it('when a client that is not a browser (no Origin, no Sec-Fetch-Site) posts an action, then it is accepted: the check is against browsers acting for someone else', async () => {
    const runId = await pendingRun();
    const response = await explorerPost(`/admin/runs/${runId}/cancel`, { authorization: BASIC });
    expect(response.status).toBe(303);
    expect(await statusOf(runId)).toBe('cancelled');
  });

  it.each(CROSS_SITE)(
    "when a foreign page makes the browser pause a queue through Bull Board's API (%o), then 403 and the queue keeps running",
    async (site) => {
      const response = await requestJson(api.url, 'PUT', `/admin/queues/api/queues/${encodeURIComponent(queueName)}/pause`, { headers: browser(site) });
      expectProblem(response, 403, 'forbidden');
      expect(await isPaused()).toBe(false);
    },
  );

  it('when a foreign page makes the browser empty or add to a queue, then 403', async () => {
    const headers = browser({ origin: 'https://evil.example', fetchSite: 'cross-site' });
    expectProblem(await requestJson(api.url, 'PUT', `/admin/queues/api/queues/${encodeURIComponent(queueName)}/empty`, { headers }), 403, 'forbidden');
    expectProblem(await requestJson(api.url, 'PUT', '/admin/queues/api/queues/pause', { headers }), 403, 'forbidden');
    expectProblem(
      await requestJson(api.url, 'POST', `/admin/queues/api/queues/${encodeURIComponent(queueName)}/add`, { headers, body: { name: 'x', data: {} } }),
      403,
      'forbidden',
    );
    expect(await isPaused()).toBe(false);
  });

  it('when Bull Board itself pauses and resumes a queue (same origin), then both work', async () => {
    const headers = browser({ origin: api.url, fetchSite: 'same-origin' });
    const path = `/admin/queues/api/queues/${encodeURIComponent(queueName)}`;
    const paused = await requestJson(api.url, 'PUT', `${path}/pause`, { headers });
    expect(paused.status).toBeLessThan(300);
    expect(await isPaused()).toBe(true);
    const resumed = await requestJson(api.url, 'PUT', `${path}/resume`, { headers });
    expect(resumed.status).toBeLessThan(300);
    expect(await isPaused()).toBe(false);
  });

  it('when a foreign page links to the admin pages (a cross-site GET), then they are shown: reading changes nothing', async () => {
    const page = await fetch(`${api.url}/admin/runs`, { headers: browser({ fetchSite: 'cross-site' }) });
    expect(page.status).toBe(200);
    await page.text();
  });

  it('when a cross-site action comes without the admin credentials, then 401 (authentication first)', async () => {
    const runId = await pendingRun();
    const response = await explorerPost(`/admin/runs/${runId}/cancel`, { origin: 'https://evil.example' });
    expect(response.status).toBe(401);
    await response.text();
    expect(await statusOf(runId)).toBe('pending');
  });

  it.each([
    ['DELETE', '/admin/queues'],
    ['PUT', '/admin/queues/api/queues'],
    ['POST', '/admin/queues/api/no-such-route'],
    ['GET', '/admin/queues/api/no-such-route'],
    ['DELETE', '/admin/runs'],
    ['GET', '/admin/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV/nothing'],
  ])(
    "when the admin sends %s %s, which no admin page has, then a 404 or 405 problem document, not a 500 nor the API's authentication",
    async (method, path) => {
      const response = await requestJson(api.url, method, path, { headers: browser({ origin: api.url, fetchSite: 'same-origin' }) });
      expect([404, 405]).toContain(response.status);
      expectProblem(response, response.status);
    },
  );

  it.each([
    ['not JSON at all', '{bad'],
    ['a JSON string (Bull Board takes objects and arrays only)', JSON.stringify("' OR 1=1 --")],
  ])('when the admin sends Bull Board a body that is %s, then a 400 problem document, not a 500', async (_what, body) => {
    for (const path of ['/admin/queues', `/admin/queues/api/queues/${encodeURIComponent(queueName)}/pause`]) {
      const response = await requestJson(api.url, 'PUT', path, {
        headers: { ...browser({ origin: api.url, fetchSite: 'same-origin' }), 'content-type': 'application/json' },
        body,
      });
      expectProblem(response, 400);
    }
    expect(await isPaused()).toBe(false);
  });
});

describe('admin pages behind a trusted proxy (CSRF)', () => {
  let api: TestApi;
  let key: string;
  const project = randomUUID();

  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN, RUNQ_TRUST_PROXY: '127.0.0.1/32' } });
    key = await api.createKey([project]);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** Cancels a new pending run through the explorer, as the proxy forwards it for an https client; the status and the run's state after. */
  const cancelThroughProxy = async (origin: string): Promise<{ status: number; run: string }> => {
    const created = await createRun(api, key, { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'csrf' } });
    const runId = created.run.run_id as string;
    const response = await fetch(`${api.url}/admin/runs/${runId}/cancel`, {
      method: 'POST',
      headers: {
        authorization: BASIC,
        origin,
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
      redirect: 'manual',
    });
    await response.text();
    return { status: response.status, run: (await requestJson(api.url, 'GET', `/runs/${runId}`, { key })).body.status as string };
  };

  it("when the client used https to the proxy, then an https Origin of this host is the pages' own and the action is done", async () => {
    expect(await cancelThroughProxy(api.url.replace(/^http:/, 'https:'))).toEqual({ status: 303, run: 'cancelled' });
  });

  it('when the client used https to the proxy, then an http Origin of the same host is another origin and is refused', async () => {
    expect(await cancelThroughProxy(api.url)).toEqual({ status: 403, run: 'pending' });
  });
});
