import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { createApiKey, revokeApiKeyByPrefix } from '@runq/auth';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { startJwksServer, type JwksServer } from '../support/jwks-server.js';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { createRun, expectProblem, postRun } from '../support/run-api.js';

const JWT_SECRET = `jwt-secret-${randomUUID()}`;

/** Every credential value sent in this file: none may appear in any log line. */
const sentSecrets = new Set<string>([JWT_SECRET]);

function remember<T extends string>(value: T): T {
  sentSecrets.add(value);
  return value;
}

async function hs256(payload: JWTPayload, options: { secret?: string; exp?: string | number; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuedAt()
    .setSubject(String(payload.sub ?? 'user-1'));
  if (options.exp !== undefined) jwt.setExpirationTime(options.exp);
  else jwt.setExpirationTime('5m');
  return remember(await jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET)));
}

/** Asserts a 401 problem with a Bearer challenge (`invalid` adds `error="invalid_token"`). */
function expectUnauthorized(response: Awaited<ReturnType<typeof requestJson>>, invalid: boolean): void {
  expectProblem(response, 401, 'unauthorized');
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer realm="runq"/);
  if (invalid) expect(challenge).toContain('error="invalid_token"');
  else expect(challenge).not.toContain('error=');
}

describe('authentication with API keys and HS256 JWTs', () => {
  let api: TestApi;
  const projectId = randomUUID();
  const otherProjectId = randomUUID();

  beforeAll(async () => {
    api = await startTestApi({ env: { RUNQ_JWT_SECRET: JWT_SECRET } });
  });
  afterAll(async () => {
    await api?.close();
  });

  const get = (headers: Record<string, string>) => requestJson(api.url, 'GET', '/runs', { headers });
  const bearer = (token: string) => ({ authorization: remember(`Bearer ${token}`) });

  it('when an API key is sent as Authorization: Bearer, then the caller sees its project', async () => {
    const key = remember(await api.createKey([projectId]));
    const created = await createRun(api, key, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } });
    const listed = await get(bearer(key));
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((r: any) => r.run_id)).toContain(created.run.run_id);
  });

  it('when an API key is sent as X-API-Key, then the caller is authenticated the same way', async () => {
    const key = remember(await api.createKey([projectId]));
    const response = await postRun(api, undefined, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'x' } }, { 'x-api-key': key });
    expect(response.status).toBe(202);
    const listed = await get({ 'x-api-key': key });
    expect(listed.status).toBe(200);
  });

  it('when the Bearer scheme is written in lower case, then the key is still accepted', async () => {
    const key = remember(await api.createKey([projectId]));
    expect((await get({ authorization: remember(`bearer ${key}`) })).status).toBe(200);
  });

  it('when no credentials are sent, then 401 with a Bearer challenge and no error code', async () => {
    expectUnauthorized(await get({}), false);
    expectUnauthorized(await postRun(api, undefined, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } }), false);
  });

  it.each([
    ['a Basic authorization', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['a Bearer scheme without token', { authorization: 'Bearer' }],
    ['a Bearer header with two tokens', { authorization: 'Bearer vf_abc def' }],
    ['an X-API-Key that is not a vf_ key', { 'x-api-key': 'not-a-key' }],
    ['a JWT in X-API-Key', { 'x-api-key': 'eyJhbGciOiJIUzI1NiJ9.e30.sig' }],
  ])('when the credentials are malformed (%s), then 401 invalid_token', async (_name, headers) => {
    expectUnauthorized(await get(headers), true);
  });

  it.each([
    ['an unknown key', () => remember(`vf_${'a'.repeat(12)}_${'B'.repeat(40)}`)],
    ['a key with a truncated secret', () => remember(`vf_${'a'.repeat(12)}_short`)],
  ])('when %s is sent, then 401 invalid_token', async (_name, token) => {
    expectUnauthorized(await get(bearer(token())), true);
    expectUnauthorized(await get({ 'x-api-key': token() }), true);
  });

  it('when a known prefix is sent with a wrong secret, then 401 invalid_token', async () => {
    const key = remember(await api.createKey([projectId]));
    const forged = remember(`${key.slice(0, key.lastIndexOf('_') + 1)}${'Z'.repeat(40)}`);
    expectUnauthorized(await get(bearer(forged)), true);
    expect((await get(bearer(key))).status).toBe(200);
  });

  it('when a revoked key is sent, then 401 invalid_token', async () => {
    const { token, prefix } = await createApiKey(api.db, { projectIds: [projectId] });
    remember(token);
    expect(await revokeApiKeyByPrefix(api.db, prefix)).toBe(true);
    expectUnauthorized(await get(bearer(token)), true);
    expectUnauthorized(await get({ 'x-api-key': token }), true);
  });

  it('when a valid HS256 JWT carries project_ids, then its caller acts on those projects and is named by its subject', async () => {
    const token = await hs256({ sub: 'user-42', project_ids: [projectId.toUpperCase()] });
    const created = await postRun(api, undefined, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'j' } }, bearer(token));
    expect(created.status).toBe(202);
    expect(created.body.run.created_by).toBe('jwt:user-42');
    const read = await requestJson(api.url, 'GET', `/runs/${created.body.run.run_id}`, { headers: bearer(token) });
    expect(read.status).toBe(200);
    const foreign = await postRun(api, undefined, { kind: 'task', owner: { kind: 'project', id: otherProjectId }, request: { target: 'j' } }, bearer(token));
    expectProblem(foreign, 404, 'project_not_found');
  });

  it('when a JWT subject is longer than created_by allows, then created_by is cut to 255 characters', async () => {
    const token = await hs256({ sub: `svc-${'😀'.repeat(300)}`, project_ids: [projectId] });
    const created = await postRun(api, undefined, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'long' } }, bearer(token));
    expect(created.status).toBe(202);
    const createdBy = created.body.run.created_by as string;
    expect(Array.from(createdBy)).toHaveLength(255);
    expect(createdBy.startsWith('jwt:svc-😀')).toBe(true);
    expect(createdBy.endsWith('😀')).toBe(true);
  });

  it.each([
    ['a NUL character', 'user\u0000x'],
    ['a lone surrogate', 'user\ud800'],
  ])('when a JWT subject holds %s, then the token is refused rather than failing the request', async (_name, sub) => {
    const token = await hs256({ sub, project_ids: [projectId] });
    const created = await postRun(api, undefined, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'odd' } }, bearer(token));
    expectUnauthorized(created, true);
  });

  it('when a JWT carries a single project_id claim, then it grants that project', async () => {
    const token = await hs256({ sub: 'single', project_id: projectId });
    const created = await postRun(api, undefined, { kind: 'eval', owner: { kind: 'project', id: projectId }, request: { target: 'e' } }, bearer(token));
    expect(created.status).toBe(202);
  });

  it.each([
    ['expired', () => hs256({ project_ids: [projectId] }, { exp: Math.floor(Date.now() / 1000) - 120 })],
    ['signed with another secret', () => hs256({ project_ids: [projectId] }, { secret: `other-secret-${randomUUID()}` })],
    ['without a project claim', () => hs256({ sub: 'nobody' })],
    ['with an empty project_ids', () => hs256({ project_ids: [] })],
    ['with a project id that is not a UUID', () => hs256({ project_ids: [projectId, 'acme'] })],
    ['signed with HS512', () => hs256({ project_ids: [projectId] }, { alg: 'HS512' })],
    [
      'not yet valid',
      async () =>
        remember(
          await new SignJWT({ project_ids: [projectId] })
            .setProtectedHeader({ alg: 'HS256' })
            .setNotBefore('10m')
            .setExpirationTime('20m')
            .sign(new TextEncoder().encode(JWT_SECRET)),
        ),
    ],
    ['unsigned (alg none)', async () => remember(new UnsecuredJWT({ project_ids: [projectId] }).setExpirationTime('5m').encode())],
    ['garbage in JWT shape', async () => remember('eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA')],
  ])('when the JWT is %s, then 401 invalid_token', async (_name, token) => {
    expectUnauthorized(await get(bearer(await token())), true);
  });

  it('when every request of this block has been logged, then no key, JWT, secret or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, sentSecrets);
  });
});

describe('authentication with JWTs from a JWKS URL', () => {
  let api: TestApi;
  let jwks: JwksServer;
  const projectId = randomUUID();
  type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
  let rsa: KeyPair;
  let ec: KeyPair;
  let stranger: KeyPair;

  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('ES256'), generateKeyPair('RS256')]);
    const published = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = await startJwksServer(published);
    api = await startTestApi({ env: { RUNQ_JWT_JWKS_URL: jwks.url } });
  });
  afterAll(async () => {
    await api?.close();
    await jwks?.close();
  });

  async function sign(key: KeyPair['privateKey'], alg: string, kid: string, payload: JWTPayload = { project_ids: [projectId] }): Promise<string> {
    return remember(await new SignJWT(payload).setProtectedHeader({ alg, kid }).setSubject('svc').setExpirationTime('5m').sign(key));
  }
  const get = (token: string) => requestJson(api.url, 'GET', '/runs', { headers: { authorization: remember(`Bearer ${token}`) } });

  it.each([
    ['RS256', () => sign(rsa.privateKey, 'RS256', 'rsa-1')],
    ['ES256', () => sign(ec.privateKey, 'ES256', 'ec-1')],
  ])('when a JWT is signed with a published %s key, then the caller is authenticated', async (_alg, token) => {
    const jwt = await token();
    expect((await get(jwt)).status).toBe(200);
    const created = await postRun(
      api,
      undefined,
      { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } },
      { authorization: `Bearer ${jwt}` },
    );
    expect(created.status).toBe(202);
    expect(created.body.run.created_by).toBe('jwt:svc');
    expect(jwks.fetches()).toBeGreaterThan(0);
  });

  it('when a JWT is signed with a key that is not published, then 401 invalid_token', async () => {
    expectUnauthorized(await get(await sign(stranger.privateKey, 'RS256', 'rsa-1')), true);
    expectUnauthorized(await get(await sign(stranger.privateKey, 'RS256', 'unknown-kid')), true);
  });

  it('when an HS256 JWT is sent to an API that trusts a JWKS, then 401 invalid_token', async () => {
    const token = remember(
      await new SignJWT({ project_ids: [projectId] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET)),
    );
    expectUnauthorized(await get(token), true);
  });

  it('when a published key signs a JWT without project claim, then 401 invalid_token', async () => {
    expectUnauthorized(await get(await sign(rsa.privateKey, 'RS256', 'rsa-1', { sub: 'x' })), true);
  });

  it('when every request of this block has been logged, then no key, JWT, secret or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, sentSecrets);
  });
});

describe('authentication when the JWKS cannot be fetched', () => {
  const servers: JwksServer[] = [];
  const apis: TestApi[] = [];
  let signer: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    signer = await generateKeyPair('ES256');
  });
  afterAll(async () => {
    await Promise.all(apis.map((api) => api.close()));
    await Promise.all(servers.map((server) => server.close()));
  });

  async function signedToken(): Promise<string> {
    const token = await new SignJWT({ project_ids: [randomUUID()] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setExpirationTime('5m')
      .sign(signer.privateKey);
    remember(`Bearer ${token}`);
    return remember(token);
  }

  it.each([
    [
      'the JWKS server is down',
      async () => {
        const server = await startJwksServer([]);
        await server.close();
        return server.url;
      },
    ],
    [
      'the JWKS server answers 500',
      async () => {
        const server = await startJwksServer([], { status: 500 });
        servers.push(server);
        return server.url;
      },
    ],
  ])('when %s, then a JWT gets 503 with Retry-After rather than 401 or 500', async (_name, jwksUrl) => {
    const api = await startTestApi({ env: { RUNQ_JWT_JWKS_URL: await jwksUrl() } });
    apis.push(api);
    const response = await requestJson(api.url, 'GET', '/runs', { headers: { authorization: `Bearer ${await signedToken()}` } });
    expectProblem(response, 503, 'dependency_unavailable');
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expectNoSecretsInLogs(api.logs, sentSecrets);
  });
});
