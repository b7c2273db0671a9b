import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { servedOpenApiJson } from '@runq/contract';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { createRun } from '../support/run-api.js';
import { fromSchema, hostileJson, hostileString, INJECTIONS } from './support/arbitraries.js';
import { answerProblem, headerParts, isSendableHeaderValue, stringsOf } from './support/check-answer.js';
import { fuzzParameters, fuzzTimeoutMs } from './support/fuzz-settings.js';

const DOCUMENT = JSON.parse(servedOpenApiJson()) as Record<string, any>;
const ADMIN_TOKEN = `admin-${randomUUID()}`;

/** One operation of the served description: method, path template, parameters and body schema. */
interface Operation {
  method: string;
  path: string;
  query: { name: string; schema: Record<string, any> }[];
  body: Record<string, any> | undefined;
}

/** Every operation of the served description except `POST /runs` (its own suite fuzzes it). */
const OPERATIONS: Operation[] = Object.entries(DOCUMENT['paths'] as Record<string, Record<string, any>>).flatMap(([path, item]) =>
  ['get', 'post', 'put', 'patch', 'delete']
    .filter((method) => item[method] && !(path === '/runs' && method === 'post'))
    .map((method) => {
      const operation = item[method];
      const parameters = [...(item['parameters'] ?? []), ...(operation['parameters'] ?? [])].map((parameter: any) =>
        parameter['$ref'] ? DOCUMENT['components']['parameters'][String(parameter['$ref']).split('/').pop()!] : parameter,
      );
      return {
        method: method.toUpperCase(),
        path,
        query: parameters
          .filter((parameter: any) => parameter.in === 'query')
          .map((parameter: any) => ({ name: parameter.name, schema: parameter.schema ?? {} })),
        body: operation['requestBody']?.['content']?.['application/json']?.['schema'],
      };
    }),
);

/** A drawn value as query text: strings as they are, anything else as JSON (a drawn object may have no prototype, which `String` cannot convert). */
function asQueryValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/** Paths and methods no operation has: the routers' 404 and 405 answers get fuzzed too. */
const STRAY_PATHS = [
  '/',
  '/runs/',
  '/runs//cancel',
  '/runs/x/y/z',
  '/admin',
  '/admin/queues',
  '/admin/queues/api/queues',
  '/admin/runs',
  '/admin/runs/%00',
  '/.env',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/runs%00',
  '/metrics/',
  '/healthz?x=%',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'X-HOSTILE'];

describe('fuzzing every route', () => {
  let api: TestApi;
  let key: string;
  let otherKey: string;
  let ownRuns: string[];
  let otherRun: string;
  const project = randomUUID();
  const otherProject = randomUUID();

  beforeAll(async () => {
    // Credentials are fuzzed too: without this, the failed-authentication limit (tested on its
    // own in rate-limit.test.ts) would answer every wrong credential after the 30th with 429.
    api = await startTestApi({ env: { RUNQ_RATE_LIMIT_AUTH_FAILURES: '0', RUNQ_ADMIN_TOKEN: ADMIN_TOKEN } });
    [key, otherKey] = await Promise.all([api.createKey([project]), api.createKey([otherProject])]);
    const owner = { kind: 'project', id: project };
    const agent = { kind: 'agent', owner, request: { mode: 'agent', agent_id: 'a', implementation_kind: 'k', initial_status: 'running' } };
    const pending = (await createRun(api, key, { kind: 'task', owner, request: { target: 't' } })).run.run_id;
    const running = (await createRun(api, key, agent)).run.run_id;
    const waiting = (await createRun(api, key, agent)).run.run_id;
    await requestJson(api.url, 'POST', `/runs/${waiting}/wait`, { key, body: { reason: 'input' } });
    const completed = (await createRun(api, key, agent)).run.run_id;
    await requestJson(api.url, 'POST', `/runs/${completed}/complete`, { key, body: { output: { ok: true } } });
    const child = (await createRun(api, key, { kind: 'task', owner, parent_run_id: pending, request: { target: 'child' } })).run.run_id;
    ownRuns = [pending, running, waiting, completed, child];
    otherRun = (await createRun(api, otherKey, { kind: 'task', owner: { kind: 'project', id: otherProject }, request: { target: 'theirs' } })).run.run_id;
  });
  afterAll(async () => {
    await api?.close();
  });

  const request = fc.record({
    target: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom(...OPERATIONS).map((operation) => ({ operation, stray: undefined as string | undefined })) },
      { weight: 1, arbitrary: fc.constantFrom(...STRAY_PATHS).map((stray) => ({ operation: undefined as Operation | undefined, stray })) },
    ),
    method: fc.option(fc.constantFrom(...METHODS), { nil: undefined, freq: 8 }),
    runId: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 5 }).map((index) => ({ known: index })) },
      { weight: 3, arbitrary: hostileString.map((text) => ({ text, raw: false })) },
      { weight: 1, arbitrary: fc.constantFrom(...INJECTIONS).map((text) => ({ text, raw: true })) },
    ),
    query: fc.array(fc.tuple(fc.nat(), fc.option(hostileString, { nil: undefined })), { maxLength: 4 }),
    unknownQuery: fc.option(fc.tuple(hostileString, hostileString), { nil: undefined, freq: 6 }),
    rawQuery: fc.option(
      fc.constantFrom('limit=%', '%=%', 'status=pending&status=failed', 'cursor=%ZZ', 'limit=1&limit=2', '&&&', '=', 'owner_id[]=1', 'a[b]=c'),
      { nil: undefined, freq: 8 },
    ),
    body: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: hostileJson },
      { weight: 3, arbitrary: fc.constant('schema' as const) },
    ),
    schemaSeed: fc.nat(),
    credentials: fc.oneof(
      { weight: 12, arbitrary: fc.constant('own' as const) },
      { weight: 2, arbitrary: fc.constant('other' as const) },
      { weight: 1, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.constant('admin' as const) },
      { weight: 2, arbitrary: hostileString.map((text) => ({ hostile: text })) },
    ),
    accept: fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('text/event-stream', 'application/json', '*/*', 'text/html', 'application/xml') },
      { weight: 1, arbitrary: hostileString },
    ),
  });

  /** A body for `operation`, drawn from its schema (a fresh sample per case, from `seed`). */
  const bodyFor = (operation: Operation | undefined, seed: number): unknown => {
    if (!operation?.body) return { data: seed };
    return fc.sample(fromSchema(operation.body, DOCUMENT), { numRuns: 1, seed })[0];
  };

  const parameters = fuzzParameters(1_200);
  it(
    `when ${parameters.numRuns} requests with injection strings in every path segment, query parameter, body and credential reach every route, then none gets a 5xx, every refusal is a problem document and no other project's run shows`,
    async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(request, async (draw) => {
          const { operation, stray } = draw.target;
          const method = draw.method ?? operation?.method ?? 'GET';
          const runIdText = 'known' in draw.runId ? (draw.runId.known < ownRuns.length ? ownRuns[draw.runId.known]! : otherRun) : draw.runId.text;
          const segment =
            'raw' in draw.runId && draw.runId.raw
              ? runIdText.replaceAll('/', '%2F').replaceAll('?', '%3F').replaceAll('#', '%23')
              : encodeURIComponent(runIdText.replace(/\p{Cs}/gu, '\ufffd')); // a lone surrogate cannot be encoded; a client sends U+FFFD
          let path = stray ?? operation!.path.replace('{run_id}', segment);
          const query = new URLSearchParams();
          for (const [pick, value] of draw.query) {
            const parameter = operation?.query[pick % Math.max(1, operation.query.length)];
            if (!parameter) continue;
            query.append(parameter.name, value ?? asQueryValue(fc.sample(fromSchema(parameter.schema, DOCUMENT), { numRuns: 1, seed: pick })[0]));
          }
          if (draw.unknownQuery) query.append(draw.unknownQuery[0], draw.unknownQuery[1]);
          const search = [query.toString(), draw.rawQuery].filter(Boolean).join('&');
          if (search) path += `${path.includes('?') ? '&' : '?'}${search}`;

          const headers: Record<string, string> = {};
          const credentials = draw.credentials;
          if (credentials === 'own') headers['authorization'] = `Bearer ${key}`;
          else if (credentials === 'other') headers['authorization'] = `Bearer ${otherKey}`;
          else if (credentials === 'admin') headers['authorization'] = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;
          else if (typeof credentials === 'object') {
            const value = `Bearer ${credentials.hostile}`;
            if (isSendableHeaderValue(value)) headers[credentials.hostile.length % 2 === 0 ? 'authorization' : 'x-api-key'] = value;
          }
          if (draw.accept !== undefined && isSendableHeaderValue(draw.accept)) headers['accept'] = draw.accept;
          const bodyValue = draw.body === 'schema' ? bodyFor(operation, draw.schemaSeed) : draw.body;
          const sendsBody = bodyValue !== undefined && !['GET', 'HEAD'].includes(method);
          if (sendsBody) headers['content-type'] = 'application/json';

          const controller = new AbortController();
          const response = await fetch(`${api.url}${path}`, {
            method,
            headers,
            ...(sendsBody ? { body: JSON.stringify(bodyValue) ?? 'null' } : {}),
            signal: controller.signal,
          });
          let text = '';
          if (/^text\/event-stream/.test(response.headers.get('content-type') ?? '')) {
            // A live stream of a run that has not ended would never finish: its head is the answer.
            controller.abort();
          } else {
            text = await response.text();
          }
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const route = `${method} ${path.slice(0, 300)} (${typeof credentials === 'string' ? credentials : 'hostile credentials'})`;
          const problem = answerProblem({ status: response.status, headers: response.headers, text }, route, [
            runIdText,
            path,
            ...[...query.values()],
            ...[...query.keys()],
            draw.rawQuery ?? '',
            JSON.stringify(bodyValue) ?? '',
            ...stringsOf(bodyValue),
            ...(draw.accept !== undefined ? headerParts(draw.accept) : []),
          ]);
          if (problem) throw new Error(problem);
          // Tenant isolation, whatever the route: the caller never sees another project's run.
          if (credentials === 'own' && response.status < 300 && text.includes(otherRun))
            throw new Error(`another project's run showed: ${route} -> ${text.slice(0, 300)}`);
          if (credentials === 'other' && response.status < 300 && ownRuns.some((id) => text.includes(id)))
            throw new Error(`another project's run showed: ${route} -> ${text.slice(0, 300)}`);
        }),
        parameters,
      );
      process.stdout.write(
        `fuzz ${JSON.stringify({ suite: 'every route', cases: parameters.numRuns, seed: parameters.seed, statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)) })}\n`,
      );
      // Not vacuous: every family of answer was reached.
      for (const status of [200, 400, 401, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    },
    fuzzTimeoutMs(parameters),
  );
});
