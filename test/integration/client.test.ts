import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRunqClient, publicIdFor, RunqProblemError, RunqTimeoutError, type RunqClient } from '@runq/client';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from '../support/harness.js';

/** A proxy in front of the API that answers the first `failures` requests with 503 (Retry-After: 0). */
async function flakyProxy(target: string, failures: number): Promise<{ url: string; seen: () => number; close: () => Promise<void> }> {
  let count = 0;
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    count += 1;
    if (count <= failures) {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      res.end(JSON.stringify({ type: 'urn:runq:problem:dependency-unavailable', title: 'down', status: 503, detail: 'down' }));
      return;
    }
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('typed client', () => {
  let api: TestApi;
  let worker: TestWorker;
  let client: RunqClient;
  const project = randomUUID();
  const task = (target: string, extra: Record<string, unknown> = {}) =>
    ({ kind: 'task', owner: { kind: 'project', id: project }, request: { target, ...extra } }) as const;

  beforeAll(async () => {
    api = await startTestApi();
    client = createRunqClient({ baseUrl: api.url, token: await api.createKey([project]) });
    worker = await startTestWorker(api, {
      task: {
        echo: (run) => ({ output: run.config }),
        boom: () => {
          throw Object.assign(new Error('exploded'), { code: 'kaboom' });
        },
        approve: (_run, ctx) => (ctx.resume ? { output: ctx.resume.data } : ctx.wait('approval')),
      },
    });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('when a run is created and awaited, then waitFor resolves with the completed envelope', async () => {
    const { run } = await client.runs.create(task('echo', { config: { n: 1 } }));
    const done = await client.runs.waitFor(run.run_id, { timeoutMs: 15_000 });
    expect(done).toMatchObject({ run_id: run.run_id, status: 'completed', output: { n: 1 } });
  });

  it('when the same idempotency key is used twice, then the second create returns the first run', async () => {
    const key = `order-${randomUUID()}`;
    const first = await client.runs.create(task('echo'), { idempotencyKey: key });
    const second = await client.runs.create(task('echo'), { idempotencyKey: key });
    expect(second.duplicate).toBe(true);
    expect(second.run.run_id).toBe(first.run.run_id);
    expect(first.run.metadata).toMatchObject({ public_id: await publicIdFor(key) });
  });

  it('when a run fails, then waitFor resolves with the failed envelope and its error', async () => {
    const { run } = await client.runs.create(task('boom'));
    const done = await client.runs.waitFor(run.run_id, { timeoutMs: 15_000 });
    expect(done.status).toBe('failed');
    expect(done.error).toEqual({ message: 'exploded', code: 'kaboom' });
  });

  it('when events are streamed, then they arrive in order and the stream ends after the terminal event', async () => {
    const { run } = await client.runs.create(task('echo'));
    const statuses: string[] = [];
    for await (const event of client.runs.events(run.run_id)) statuses.push(event.to_status);
    expect(statuses).toEqual(['pending', 'running', 'completed']);
  });

  it('when a run waits, then resume completes it and cancel of the finished run is a typed 409', async () => {
    const { run } = await client.runs.create(task('approve'));
    for await (const event of client.runs.events(run.run_id)) if (event.to_status === 'waiting') break;
    await client.runs.resume(run.run_id, { ok: true });
    const done = await client.runs.waitFor(run.run_id, { timeoutMs: 15_000 });
    expect(done.output).toEqual({ ok: true });
    const refused = await client.runs.cancel(run.run_id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RunqProblemError);
    expect(refused).toMatchObject({ status: 409, code: 'invalid_transition' });
  });

  it('when more runs exist than a page holds, then list iterates every page without duplicates', async () => {
    const batch = randomUUID();
    const created = [];
    for (let i = 0; i < 7; i += 1) created.push((await client.runs.create(task('echo', { batch_id: batch }))).run.run_id);
    const listed = [];
    for await (const run of client.runs.list({ batch_id: batch, limit: 3 })) listed.push(run.run_id);
    expect(listed).toEqual([...created].reverse());
  });

  it('when a body is invalid, then the problem becomes a RunqProblemError with the field errors', async () => {
    const error = await client.runs.create({ kind: 'task', owner: { kind: 'project', id: project }, request: {} } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunqProblemError);
    expect(error).toMatchObject({ status: 400, code: 'validation_error', errors: [{ path: '/request/target' }] });
  });

  it('when the API answers 503 with Retry-After, then the client retries and succeeds', async () => {
    const proxy = await flakyProxy(api.url, 2);
    try {
      const flaky = createRunqClient({ baseUrl: proxy.url, token: await api.createKey([project]) });
      const { run } = await flaky.runs.create(task('echo'));
      expect(run.status).toBe('pending');
      expect(proxy.seen()).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('when retries are exhausted, then the 503 problem is raised', async () => {
    const proxy = await flakyProxy(api.url, 10);
    try {
      const flaky = createRunqClient({ baseUrl: proxy.url, token: 'vf_x', maxRetries: 1 });
      await expect(flaky.runs.get('run_x')).rejects.toMatchObject({ status: 503 });
      expect(proxy.seen()).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('when waitFor times out or the signal aborts, then it rejects accordingly', async () => {
    const { run } = await client.runs.create(task('approve'));
    await expect(client.runs.waitFor(run.run_id, { timeoutMs: 300 })).rejects.toBeInstanceOf(RunqTimeoutError);
    const controller = new AbortController();
    const pending = client.runs.waitFor(run.run_id, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
