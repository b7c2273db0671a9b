import { randomUUID } from 'node:crypto';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { sendRawSocket } from '../support/raw-http.js';

const ADMIN_TOKEN = `admin-${randomUUID()}`;
const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;

/** The CSP directives of a response, by name. */
function cspOf(headers: Headers): Map<string, string[]> {
  const policy = headers.get('content-security-policy') ?? '';
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** Asserts the headers every API response carries. */
function expectSecurityHeaders(headers: Headers, referrerPolicy = 'no-referrer'): void {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('referrer-policy')).toBe(referrerPolicy);
  expect(headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(headers.get('x-powered-by')).toBeNull();
  const csp = cspOf(headers);
  expect(csp.get('default-src')).toEqual(["'self'"]);
  expect(csp.get('script-src')).toEqual(["'self'"]);
  expect(csp.get('object-src')).toEqual(["'none'"]);
  expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  // Plain-HTTP deployments must keep loading their own assets.
  expect(csp.has('upgrade-insecure-requests')).toBe(false);
}

describe('security headers', () => {
  let api: TestApi;
  let key: string;
  const project = randomUUID();

  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    key = await api.createKey([project]);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when the API answers with JSON, a problem or a probe, then every answer carries the security headers', async () => {
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 't' } },
    });
    expect(created.status).toBe(202);
    const responses = [
      created,
      await requestJson(api.url, 'GET', `/runs/${created.body.run.run_id}`, { key }),
      await requestJson(api.url, 'GET', '/runs'),
      await requestJson(api.url, 'GET', '/runs/run_01JZZZZZZZZZZZZZZZZZZZZZZZ', { key }),
      await requestJson(api.url, 'GET', '/runs?limit=0', { key }),
      await requestJson(api.url, 'GET', '/openapi.json'),
      await requestJson(api.url, 'GET', '/readyz'),
    ];
    expect(responses.map((response) => response.status)).toEqual([202, 200, 401, 404, 400, 200, 200]);
    for (const response of responses) expectSecurityHeaders(response.headers);
  });

  it('when Node refuses a request before Koa sees it, then the answer still says nosniff', async () => {
    const response = await sendRawSocket(api.url, 'GET /runs HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('when the dashboard page is loaded, then every script and stylesheet it names loads from its own origin as the CSP allows', async () => {
    const page = await fetch(`${api.url}/admin/queues`, { headers: { authorization: ADMIN_AUTH } });
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers, 'same-origin');
    const html = await page.text();
    const base = new URL(/<base href="([^"]+)"/.exec(html)?.[1] ?? '/admin/queues/', api.url);
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => new URL(match[1]!, base));
    const styles = [...html.matchAll(/<link[^>]*href="([^"]+\.css)"/g)].map((match) => new URL(match[1]!, base)).filter((url) => url.origin === api.url);
    expect(scripts.length).toBeGreaterThan(0);
    expect(styles.length).toBeGreaterThan(0);
    // Inline scripts would be blocked by script-src 'self': the page may only carry data blocks.
    for (const match of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      if (!/\ssrc=/.test(match[1]!)) expect(match[1]).toMatch(/type="application\/json"/);
    }
    for (const url of [...scripts, ...styles]) {
      // script-src 'self': every script must come from this origin.
      expect(url.origin).toBe(api.url);
      const asset = await fetch(url, { headers: { authorization: ADMIN_AUTH } });
      expect(`${url.pathname} ${asset.status}`).toBe(`${url.pathname} 200`);
      expect(asset.headers.get('content-type')).toMatch(url.pathname.endsWith('.js') ? /javascript/ : /text\/css/);
      await asset.arrayBuffer();
    }
  });
});
