import { randomUUID } from 'node:crypto';
import { validateCreateRunResponse } from '@runq/contract';
import { OTHER_UUID, SAMPLE_UUID, validRequestBody } from '@runq/contract/testing';
import { fuzzCases } from '../support/body-mutations.js';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { sendRaw, sendRawSocket } from '../support/raw-http.js';
import { createRun, expectCreateRunResponse, expectFieldError, expectProblem, isProblemDocument, postRun } from '../support/run-api.js';

const MiB = 1024 * 1024;

describe('HTTP input limits and malformed bodies', () => {
  let api: TestApi;
  let key: string;
  const projectId = randomUUID();
  const project = { kind: 'project', id: projectId };

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.createKey([projectId, SAMPLE_UUID, OTHER_UUID.toLowerCase()]);
    // The contract's sample bodies own their runs through conversation SAMPLE_UUID.
    await api.db.insertInto('conversations').values({ id: SAMPLE_UUID, project_id: SAMPLE_UUID, created_by: 'test' }).execute();
  });
  afterAll(async () => {
    await api?.close();
  });

  /** Posts exact bytes to /runs; a 202 answer is checked against the contract's 202 schema. */
  const raw = async (body: Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, extra: { chunked?: boolean } = {}) => {
    const response = await sendRaw(api.url, { path: '/runs', headers: { authorization: `Bearer ${key}`, ...headers }, body, ...extra });
    if (response.status === 202) expectCreateRunResponse(response);
    return response;
  };

  /** A valid task body of exactly `bytes` bytes (padded inside `config`). */
  function taskOfSize(bytes: number): Buffer {
    const shell = JSON.stringify({ kind: 'task', owner: project, request: { target: 'big', config: { pad: '' } } });
    const text = shell.replace('"pad":""', `"pad":"${'p'.repeat(bytes - Buffer.byteLength(shell))}"`);
    const buffer = Buffer.from(text, 'utf8');
    expect(buffer.length).toBe(bytes);
    return buffer;
  }

  it('when a body is exactly 1 MiB, then it is accepted', async () => {
    const response = await raw(taskOfSize(MiB));
    expect(response.status).toBe(202);
    expect(validateCreateRunResponse(response.body).ok).toBe(true);
  });

  it('when a body with Content-Length is one byte over 1 MiB, then 413', async () => {
    expectProblem(await raw(taskOfSize(MiB + 1)), 413, 'payload_too_large');
  });

  it('when a chunked body grows past 1 MiB, then 413', async () => {
    expectProblem(await raw(taskOfSize(2 * MiB), { 'content-type': 'application/json' }, { chunked: true }), 413, 'payload_too_large');
  });

  it('when a chunked body stays under 1 MiB, then it is accepted', async () => {
    const response = await raw(taskOfSize(200_000), { 'content-type': 'application/json' }, { chunked: true });
    expect(response.status).toBe(202);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['JSON in latin1', { 'content-type': 'application/json; charset=latin1' }],
    ['no content type', {}],
  ])('when the body is sent as %s, then 415', async (_name, headers) => {
    const body = Buffer.from(JSON.stringify({ kind: 'task', owner: project, request: { target: 't' } }));
    expectProblem(await raw(body, headers), 415, 'unsupported_media_type');
  });

  it('when the content type is application/json with charset utf-8, then the body is accepted', async () => {
    const body = Buffer.from(JSON.stringify({ kind: 'task', owner: project, request: { target: 't' } }));
    expect((await raw(body, { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(202);
  });

  it.each([
    ['truncated JSON', '{"kind":"task",'],
    ['single quotes', "{'kind':'task'}"],
    ['two documents', '{"a":1}{"b":2}'],
    ['an empty body', ''],
    ['whitespace only', '   \n'],
    ['a trailing comma', '{"kind":"task",}'],
  ])('when the body is %s, then 400 invalid_json', async (_name, text) => {
    expectProblem(await raw(Buffer.from(text)), 400, 'invalid_json');
  });

  it('when the body has invalid UTF-8 bytes, then 400 invalid_json', async () => {
    const prefix = Buffer.from(`{"kind":"task","owner":{"kind":"project","id":"${projectId}"},"request":{"target":"`);
    const body = Buffer.concat([prefix, Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}}')]);
    expectProblem(await raw(body), 400, 'invalid_json');
  });

  it.each([
    ['a NUL character in a value', '"a\\u0000b"', '/request/target'],
    ['a lone high surrogate', '"\\ud800"', '/request/target'],
    ['a lone low surrogate', '"x\\udfff"', '/request/target'],
  ])('when a string holds %s, then 400 with an error at it', async (_name, literal, path) => {
    const text = `{"kind":"task","owner":{"kind":"project","id":"${projectId}"},"request":{"target":${literal}}}`;
    const response = await raw(Buffer.from(text));
    expectFieldError(response, path);
  });

  it('when a property name holds a NUL character, then 400 with an error at it', async () => {
    const text = `{"kind":"task","owner":{"kind":"project","id":"${projectId}"},"request":{"target":"t","config":{"a\\u0000":1}}}`;
    const response = await raw(Buffer.from(text));
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: '/request/config/a\u0000' })]);
  });

  /** A task whose config nests down to `depth` levels below the body's root. */
  const nestedTask = (depth: number) => {
    let value: unknown = 1;
    for (let level = depth; level > 2; level -= 1) value = { d: value };
    return { kind: 'task', owner: project, request: { target: 'deep', config: value } };
  };

  it('when the body nests exactly 64 levels deep, then it is accepted', async () => {
    const created = await createRun(api, key, nestedTask(64));
    expect(created.run.config).toEqual(nestedTask(64).request.config);
  });

  it('when the body nests 65 levels deep, then 400 with an error at the deepest value', async () => {
    const response = await postRun(api, key, nestedTask(65));
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: `/request/config${'/d'.repeat(63)}`, message: expect.stringMatching(/nested/) })]);
  });

  it('when the body nests 100,000 levels deep, then 400 and the server stays up', async () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectProblem(await raw(Buffer.from(text)), 400);
    expect((await requestJson(api.url, 'GET', '/healthz')).status).toBe(200);
  });

  it.each([
    ['an array', '[]'],
    ['an array of a valid body', JSON.stringify([{ kind: 'task', owner: { kind: 'project', id: SAMPLE_UUID }, request: { target: 't' } }])],
    ['a number', '42'],
    ['a string', '"task"'],
    ['null', 'null'],
    ['true', 'true'],
  ])('when the body is %s, then 400 with an errors entry', async (_name, text) => {
    const response = await raw(Buffer.from(text));
    expectProblem(response, 400, 'validation_error');
    expect(response.body.errors.length).toBeGreaterThan(0);
  });

  it.each([
    [
      '1e400 as timeout_seconds',
      `{"kind":"task","owner":{"kind":"project","id":"@"},"request":{"target":"t","timeout_seconds":1e400}}`,
      '/request/timeout_seconds',
    ],
    ['-1e400 in config', `{"kind":"task","owner":{"kind":"project","id":"@"},"request":{"target":"t","config":{"x":-1e400}}}`, '/request/config/x'],
    ['1e999 in input', `{"kind":"eval","owner":{"kind":"project","id":"@"},"request":{"target":"t","input":{"n":[1,1e999]}}}`, '/request/input/n/1'],
  ])('when a number overflows (%s), then 400 with an error at it', async (_name, template, path) => {
    expectFieldError(await raw(Buffer.from(template.replace('@', projectId))), path, /too large/);
  });

  it.each([
    ['1e300', '1e300', 1e300],
    // JSON numbers are IEEE doubles: 2^53 + 1 parses (and is stored) as the nearest double.
    ['9007199254740993', '9007199254740993', JSON.parse('9007199254740993') as number],
    ['1.7976931348623157e308', '1.7976931348623157e308', Number.MAX_VALUE],
  ])('when timeout_seconds and backoff_limit are %s, then 202 and both are stored as sent', async (_name, literal, value) => {
    const text = `{"kind":"task","owner":{"kind":"project","id":"${projectId}"},"request":{"target":"t","timeout_seconds":${literal},"backoff_limit":${literal}}}`;
    const response = await raw(Buffer.from(text));
    expect(response.status).toBe(202);
    expect(validateCreateRunResponse(response.body).ok).toBe(true);
    expect(response.body.run).toMatchObject({ timeout_seconds: value, backoff_limit: value });
    const row = await api.db
      .selectFrom('runs')
      .select(['timeout_seconds', 'backoff_limit'])
      .where('id', '=', response.body.run.run_id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ timeout_seconds: value, backoff_limit: value });
    const read = await requestJson(api.url, 'GET', `/runs/${response.body.run.run_id}`, { key });
    expect(read.body).toMatchObject({ timeout_seconds: value, backoff_limit: value });
  });

  describe('validation errors point at the offending field', () => {
    const cases: [string, () => unknown, string][] = [
      ['kind is missing', () => ({ owner: project, request: { target: 't' } }), '/kind'],
      ['kind is unknown', () => ({ kind: 'job', owner: project, request: {} }), '/kind'],
      ['a task has no target', () => ({ kind: 'task', owner: project, request: {} }), '/request/target'],
      ['timeout_seconds is 0', () => ({ kind: 'task', owner: project, request: { target: 't', timeout_seconds: 0 } }), '/request/timeout_seconds'],
      ['timeout_seconds is fractional', () => ({ kind: 'task', owner: project, request: { target: 't', timeout_seconds: 1.5 } }), '/request/timeout_seconds'],
      ['backoff_limit is negative', () => ({ kind: 'task', owner: project, request: { target: 't', backoff_limit: -1 } }), '/request/backoff_limit'],
      ['the owner id is not a UUID', () => ({ kind: 'task', owner: { kind: 'project', id: 'acme' }, request: { target: 't' } }), '/owner/id'],
      ['a task is owned by a conversation', () => ({ kind: 'task', owner: { kind: 'conversation', id: projectId }, request: { target: 't' } }), '/owner/kind'],
      ['a workflow has no workflow_id', () => ({ kind: 'workflow', owner: project, request: { target: 't' } }), '/request/workflow_id'],
      ['an eval has an unknown property', () => ({ kind: 'eval', owner: project, request: { target: 't', batch_id: randomUUID() } }), '/request/batch_id'],
      ['public_id is longer than 128', () => ({ kind: 'eval', owner: project, public_id: 'p'.repeat(129), request: { target: 't' } }), '/public_id'],
      ['the trigger has an unknown property', () => ({ kind: 'eval', owner: project, trigger: { source: 'x' }, request: { target: 't' } }), '/trigger/source'],
      [
        'implementation_kind breaks its pattern',
        () => ({ ...validRequestBody('agent-runtime'), request: { mode: 'agent', agent_id: 'a', implementation_kind: 'has space' } }),
        '/request/implementation_kind',
      ],
      [
        'a hosted tool name breaks its pattern',
        () => ({
          ...validRequestBody('agent-hosted'),
          request: { mode: 'agent', agent_id: 'a', input: { messages: [], context: { project_id: null, branch_id: null }, tools: [{ name: '1bad' }] } },
        }),
        '/request/input/tools/0/name',
      ],
      [
        'a stream agent sends messages',
        () => ({ ...validRequestBody('agent-stream'), request: { mode: 'agent', input: { agent_id: 'a', messages: [{}] } } }),
        '/request/input/messages',
      ],
      ['conversation_mode is unknown', () => ({ ...validRequestBody('agent-stream'), conversation_mode: 'fork' }), '/conversation_mode'],
    ];
    it.each(cases)('when %s, then 400 names that field', async (_name, body, path) => {
      expectFieldError(await postRun(api, key, body()), path);
    });
  });

  it.each([
    ['a NUL in a run id', 'GET', '/runs/run_%00'],
    ['a lone surrogate in a run id', 'GET', '/runs/%ED%A0%80'],
    ['a malformed escape in a run id', 'GET', '/runs/%E0%A4%A'],
    ['a very long run id', 'GET', `/runs/run_${'x'.repeat(5000)}`],
    ['a NUL in a run id to cancel', 'POST', '/runs/%00/cancel'],
    ['a NUL in a run id to read events', 'GET', '/runs/run_%00/events'],
  ])('when a path holds %s, then 404 rather than 5xx', async (_name, method, path) => {
    expectProblem(await requestJson(api.url, method, path, { key }), 404);
  });

  it.each([
    ['a NUL in parent_run_id', 'parent_run_id=run_%00', '/query/parent_run_id'],
    ['a NUL in root_run_id', 'root_run_id=%00', '/query/root_run_id'],
    ['a cursor naming a NUL run id', `cursor=${Buffer.from(JSON.stringify({ before: 'run_\u0000' })).toString('base64url')}`, '/query/cursor'],
  ])('when the query holds %s, then 400 at that parameter', async (_name, query, path) => {
    expectFieldError(await requestJson(api.url, 'GET', `/runs?${query}`, { key }), path);
  });

  it.each([
    ['a header line without colon', 'GET /runs HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400],
    ['Content-Length together with chunked encoding', 'POST /runs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400],
    ['headers over the server limit', `GET /runs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])("when the HTTP request has %s, then the parser's refusal is a problem document", async (_name, raw, status) => {
    const response = await sendRawSocket(api.url, raw);
    expectProblem(response, status);
    expect((await requestJson(api.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('when a request uses a method no route knows, then a problem document and no 5xx', async () => {
    const response = await sendRaw(api.url, { method: 'PROPFIND', path: '/runs', headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBeLessThan(500);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(isProblemDocument(response.body, response.status)).toBe(true);
  });

  it('when thousands of mutated bodies are posted, then none gets a 5xx and every refusal is a problem document', async () => {
    const cases = fuzzCases(20261129, 3000);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const send = async (index: number) => {
      const item = cases[index];
      if (!item) return;
      const body = item.kind === 'json' ? JSON.stringify(item.body) : item.body;
      const response = await fetch(`${api.url}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const ok =
        response.status === 202
          ? validateCreateRunResponse(parsed).ok
          : response.status >= 400 &&
            response.status < 500 &&
            /^application\/problem\+json/.test(response.headers.get('content-type') ?? '') &&
            isProblemDocument(parsed, response.status);
      if (!ok && failures.length < 5) failures.push(`#${index} ${response.status} ${text.slice(0, 300)} <- ${String(body).slice(0, 300)}`);
    };
    const concurrency = 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < cases.length) await send(next++);
      }),
    );
    expect(failures).toEqual([]);
    // The mix must exercise both sides: bodies that pass and several kinds of refusal.
    expect(statuses.get(202) ?? 0).toBeGreaterThan(50);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(1000);
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    // 3,000 requests: room for a busy machine (the default limit is 30 s).
  }, 180_000);

  it('when every request of this file has been logged, then no API key or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, [key]);
  });
});
