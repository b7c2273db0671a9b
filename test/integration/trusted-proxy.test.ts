import { randomUUID } from 'node:crypto';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { runCli } from '../support/cli.js';
import { expectProblem, type JsonResponse } from '../support/run-api.js';

/*
 * Client addresses behind a proxy (RUNQ_TRUST_PROXY). Every request of this file comes from
 * 127.0.0.1; a trusted proxy is played by sending X-Forwarded-For from there while 127.0.0.1 is
 * trusted, and an untrusted one by sending the same header while it is not.
 */

/** A token of the API key format with a random prefix and secret: a wrong key no one has. */
const wrongKey = (prefix = randomUUID().replaceAll('-', '').slice(0, 12)) => `vf_${prefix}_${randomUUID().replaceAll('-', '').padEnd(40, 'x')}`;
/** The prefix of an API key token. */
const prefixOf = (token: string) => token.split('_')[1]!;
/** Headers of a request that a proxy forwards for `client`. */
const forwardedFor = (client: string): Record<string, string> => ({ 'x-forwarded-for': client });

function expectRateLimited(response: JsonResponse): void {
  expectProblem(response, 429, 'rate_limited');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

/** The rate-limit warnings an API logged, parsed. */
function refusalWarnings(api: TestApi): Array<Record<string, unknown>> {
  return api.logs.filter((line) => line.includes('request refused by a rate limit')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe.each(QUEUE_BACKENDS)('client addresses behind a proxy on %s', (backend) => {
  const started: TestApi[] = [];
  afterEach(async () => {
    for (const api of started.splice(0)) await api.close();
  });
  const start = async (env: Record<string, string>) => {
    const api = await startTestApi({ backend, env });
    started.push(api);
    return api;
  };

  it.each(['127.0.0.1/32', '1'])(
    'when the proxy is trusted (RUNQ_TRUST_PROXY=%s), then one forwarded client is throttled after its failures and another forwarded client is not',
    async (trust) => {
      const api = await start({ RUNQ_TRUST_PROXY: trust, RUNQ_RATE_LIMIT_AUTH_FAILURES: '3' });
      const key = await api.createKey([randomUUID()]);
      const [guesser, other] = [forwardedFor('203.0.113.7'), forwardedFor('198.51.100.1, 203.0.113.8')];
      for (let i = 0; i < 3; i += 1) expectProblem(await requestJson(api.url, 'GET', '/runs', { key: wrongKey(), headers: guesser }), 401);
      expectRateLimited(await requestJson(api.url, 'GET', '/runs', { key: wrongKey(), headers: guesser }));
      // The other client behind the same proxy still gets its own 401s, and its valid key works.
      expectProblem(await requestJson(api.url, 'GET', '/runs', { key: wrongKey(), headers: other }), 401, 'unauthorized');
      expect((await requestJson(api.url, 'GET', '/runs', { key, headers: other })).status).toBe(200);
      // So does the guesser's valid key, and the proxy's own address was never blocked.
      expect((await requestJson(api.url, 'GET', '/runs', { key, headers: guesser })).status).toBe(200);
      expectProblem(await requestJson(api.url, 'GET', '/runs', { key: wrongKey() }), 401, 'unauthorized');
      expect(refusalWarnings(api)[0]).toMatchObject({ limit: 'auth_failures_address', address: '203.0.113.7' });
    },
  );

  it('when a forwarded client spends the per-address limit, then only it gets 429: the others behind the same proxy go on', async () => {
    const api = await start({ RUNQ_TRUST_PROXY: '127.0.0.1/32', RUNQ_RATE_LIMIT_PER_IP: '3' });
    const key = await api.createKey([randomUUID()]);
    for (let i = 0; i < 3; i += 1) expect((await requestJson(api.url, 'GET', '/runs', { key, headers: forwardedFor('2001:db8::7') })).status).toBe(200);
    // The same client, however its address is written.
    expectRateLimited(await requestJson(api.url, 'GET', '/runs', { key, headers: forwardedFor('[2001:DB8:0::7]:4711') }));
    expect((await requestJson(api.url, 'GET', '/runs', { key, headers: forwardedFor('2001:db8::8') })).status).toBe(200);
    expect((await requestJson(api.url, 'GET', '/runs', { key, headers: forwardedFor('::ffff:203.0.113.7') })).status).toBe(200);
  });

  it.each([
    ['unset', {}],
    ['a range the peer is not in', { RUNQ_TRUST_PROXY: '10.0.0.0/8,fd00::/8' }],
  ])(
    "when the peer is not trusted (RUNQ_TRUST_PROXY %s), then a spoofed X-Forwarded-For changes nothing: the requests are the peer's",
    async (_what, env: Record<string, string>) => {
      const api = await start({ ...env, RUNQ_RATE_LIMIT_AUTH_FAILURES: '3' });
      const key = await api.createKey([randomUUID()]);
      for (let i = 0; i < 3; i += 1)
        expectProblem(await requestJson(api.url, 'GET', '/runs', { key: wrongKey(), headers: forwardedFor(`203.0.113.${i + 1}`) }), 401);
      // A fresh spoofed address does not escape the peer's count.
      expectRateLimited(await requestJson(api.url, 'GET', '/runs', { key: wrongKey(), headers: forwardedFor('198.51.100.99') }));
      expectRateLimited(await requestJson(api.url, 'GET', '/runs', { key: wrongKey() }));
      expect(refusalWarnings(api)[0]).toMatchObject({ limit: 'auth_failures_address', address: '127.0.0.1' });
      expect((await requestJson(api.url, 'GET', '/runs', { key, headers: forwardedFor('198.51.100.99') })).status).toBe(200);
    },
  );

  it('when wrong secrets for one key prefix come from many forwarded clients, then that prefix is throttled everywhere, while the key itself is served', async () => {
    const api = await start({ RUNQ_TRUST_PROXY: '1', RUNQ_RATE_LIMIT_AUTH_FAILURES: '3' });
    const key = await api.createKey([randomUUID()]);
    const guess = () => wrongKey(prefixOf(key));
    for (let i = 0; i < 3; i += 1)
      expectProblem(await requestJson(api.url, 'GET', '/runs', { key: guess(), headers: forwardedFor(`203.0.113.${i + 1}`) }), 401);
    const refused = await requestJson(api.url, 'GET', '/runs', { key: guess(), headers: forwardedFor('203.0.113.50') });
    expectRateLimited(refused);
    expect(refused.body.detail).toMatch(/this API key/);
    expect(refusalWarnings(api)[0]).toMatchObject({ limit: 'auth_failures_key', keyPrefix: prefixOf(key), address: '203.0.113.50' });
    // A different prefix from a fresh client is unaffected; the key's owner is served.
    expectProblem(await requestJson(api.url, 'GET', '/runs', { key: wrongKey(), headers: forwardedFor('203.0.113.51') }), 401, 'unauthorized');
    expect((await requestJson(api.url, 'GET', '/runs', { key, headers: forwardedFor('203.0.113.50') })).status).toBe(200);
  });
});

describe('RUNQ_TRUST_PROXY at start', () => {
  it('when it is malformed, then `runq api` exits 1 with one line naming it', async () => {
    const result = await runCli(['api'], { DATABASE_URL: 'postgres://runq@127.0.0.1:1/runq', PORT: '0', RUNQ_TRUST_PROXY: '10.0.0.0/8,nginx' });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'runq: RUNQ_TRUST_PROXY has an entry that is not an IP address or CIDR range: "nginx"\n' });
  });
});
