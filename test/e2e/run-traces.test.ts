import { randomUUID } from 'node:crypto';
import { QUEUE_BACKENDS, requestJson, startTestApi, waitForRun, type TestApi } from '../support/harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { fixturePath, ProcessGroup } from '../support/worker-process.js';

/*
 * OpenTelemetry traces across processes: the API runs in this process and a `runq worker` in
 * another, both exporting OTLP/HTTP to a receiver on loopback. One run must be one trace:
 * POST /runs -> send -> one process span per attempt (siblings) -> claim, handler, settle.
 */

const SPAN_KIND = { internal: 1, server: 2, producer: 4, consumer: 5 } as const;

describe.each(QUEUE_BACKENDS)('run traces (%s queues)', (backend) => {
  const processes = new ProcessGroup();
  const projectId = randomUUID();
  let receiver: OtlpReceiver;
  let api: TestApi;
  let key: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
    api = await startTestApi({ backend, env });
    key = await api.createKey([projectId]);
    await processes.startWorker(api, fixturePath('handlers.mjs'), { env });
  });

  afterAll(async () => {
    await processes.killAll();
    await api?.close();
    await receiver?.close();
  });

  const createTraced = async (config: Record<string, unknown>, request: Record<string, unknown> = {}) => {
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'traced', config, ...request } },
    });
    expect(created.status).toBe(202);
    return created.body.run.run_id as string;
  };

  it('when a run fails its first attempt and completes its second, then one trace leads from POST /runs through both attempts, as siblings, across the API and worker processes', async () => {
    const runId = await createTraced({ succeed_on: 2 }, { backoff_limit: 1 });
    const done = await waitForRun(api, key, runId, (run) => run.status === 'completed', 20_000);
    expect(done.output.attempt).toBe(2);

    const ofRun = (spans: readonly ReceivedSpan[]) => spans.filter((span) => span.attributes['runq.run_id'] === runId);
    const spans = await receiver.waitFor(
      (all) => ofRun(all).filter((span) => span.name === 'settle').length === 2 && all.some((span) => span.name === 'POST /runs'),
    );
    const send = ofRun(spans).find((span) => span.name === 'send task');
    expect(send).toMatchObject({
      service: 'runq-api',
      kind: SPAN_KIND.producer,
      attributes: { 'runq.kind': 'task', 'messaging.operation.type': 'send', 'messaging.destination.name': 'task', 'messaging.system': 'bullmq' },
    });
    const server = spans.find((span) => span.spanId === send!.parentSpanId);
    expect(server).toMatchObject({
      service: 'runq-api',
      name: 'POST /runs',
      kind: SPAN_KIND.server,
      traceId: send!.traceId,
      attributes: { 'http.request.method': 'POST', 'http.route': '/runs', 'http.response.status_code': 202, 'url.path': '/runs' },
    });

    // One trace per run: every span of the run, in either process, is in the request's trace.
    const traced = spans.filter((span) => span.traceId === send!.traceId);
    expect(new Set(ofRun(spans).map((span) => span.traceId))).toEqual(new Set([send!.traceId]));
    // The stored context is the dispatch span's, which is what ties the worker's spans to it.
    const row = await api.db.selectFrom('runs').select('traceparent').where('id', '=', runId).executeTakeFirstOrThrow();
    expect(row.traceparent).toBe(`00-${send!.traceId}-${send!.spanId}-01`);

    // Retries are siblings: one consumer span per attempt, each a child of the dispatch span.
    const attempts = traced
      .filter((span) => span.name === 'process task')
      .sort((a, b) => Number(a.attributes['runq.attempt']) - Number(b.attributes['runq.attempt']));
    expect(attempts).toHaveLength(2);
    attempts.forEach((attempt, index) => {
      expect(attempt).toMatchObject({
        service: 'runq-worker',
        kind: SPAN_KIND.consumer,
        parentSpanId: send!.spanId,
        attributes: { 'runq.run_id': runId, 'runq.kind': 'task', 'runq.attempt': index + 1, 'messaging.operation.type': 'process' },
      });
      const children = traced.filter((span) => span.parentSpanId === attempt.spanId);
      expect(children.map((span) => span.name).sort()).toEqual(['claim', 'handler', 'settle']);
      for (const child of children) expect(child.attributes).toMatchObject({ 'runq.run_id': runId, 'runq.kind': 'task', 'runq.attempt': index + 1 });
    });
    const settleOf = (attempt: ReceivedSpan) => traced.find((span) => span.parentSpanId === attempt.spanId && span.name === 'settle')!;
    expect(settleOf(attempts[0]!).attributes['runq.outcome']).toBe('retry');
    expect(settleOf(attempts[1]!).attributes['runq.outcome']).toBe('completed');
    const failedHandler = traced.find((span) => span.parentSpanId === attempts[0]!.spanId && span.name === 'handler')!;
    expect(failedHandler.status).toBe(2);
    expect(failedHandler.attributes['error.type']).toBe('flaky');

    // The handler was handed its own span's context as ctx.trace.
    const handler = traced.find((span) => span.parentSpanId === attempts[1]!.spanId && span.name === 'handler')!;
    expect(done.output.trace).toEqual({ traceparent: `00-${handler.traceId}-${handler.spanId}-01` });
  });

  it("when a request carries a traceparent, then the run joins the caller's trace", async () => {
    const callerTrace = randomUUID().replaceAll('-', '');
    const callerSpan = randomUUID().replaceAll('-', '').slice(0, 16);
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
      body: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'traced', config: {} } },
    });
    expect(created.status).toBe(202);
    const runId = created.body.run.run_id as string;
    await waitForRun(api, key, runId, (run) => run.status === 'completed', 20_000);
    const spans = await receiver.waitFor((all) => all.some((span) => span.name === 'settle' && span.attributes['runq.run_id'] === runId));
    const server = spans.find((span) => span.name === 'POST /runs' && span.parentSpanId === callerSpan);
    expect(server?.traceId).toBe(callerTrace);
    expect(spans.filter((span) => span.attributes['runq.run_id'] === runId).every((span) => span.traceId === callerTrace)).toBe(true);
  });
});

describe('run traces when only the API traces', () => {
  const processes = new ProcessGroup();
  let receiver: OtlpReceiver;
  let api: TestApi;

  afterAll(async () => {
    await processes.killAll();
    await api?.close();
    await receiver?.close();
  });

  it("when the worker has no OTLP endpoint, then the handler is handed the run's stored trace context, and the worker sends nothing", async () => {
    receiver = await startOtlpReceiver();
    api = await startTestApi({ backend: QUEUE_BACKENDS[0], env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' } });
    const projectId = randomUUID();
    const key = await api.createKey([projectId]);
    await processes.startWorker(api, fixturePath('handlers.mjs'));
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'traced' } },
    });
    expect(created.status).toBe(202);
    const runId = created.body.run.run_id as string;
    const done = await waitForRun(api, key, runId, (run) => run.status === 'completed', 20_000);
    const row = await api.db.selectFrom('runs').select('traceparent').where('id', '=', runId).executeTakeFirstOrThrow();
    expect(row.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(done.output.trace).toEqual({ traceparent: row.traceparent });
    const spans = await receiver.waitFor((all) => all.some((span) => span.name === 'send task' && span.attributes['runq.run_id'] === runId));
    expect(spans.filter((span) => span.service === 'runq-worker')).toEqual([]);
  });
});

describe('run traces when tracing is off', () => {
  let api: TestApi;

  afterAll(async () => {
    await api?.close();
  });

  it('when no OTLP endpoint is set, then runs are stored without a trace context', async () => {
    api = await startTestApi();
    const projectId = randomUUID();
    const key = await api.createKey([projectId]);
    const created = await requestJson(api.url, 'POST', '/runs', {
      key,
      body: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'traced' } },
    });
    expect(created.status).toBe(202);
    const row = await api.db.selectFrom('runs').select('traceparent').where('id', '=', created.body.run.run_id).executeTakeFirstOrThrow();
    expect(row.traceparent).toBeNull();
  });
});
