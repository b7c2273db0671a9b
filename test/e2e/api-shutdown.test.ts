import { API_DRAIN_MS } from '@runq/api';
import { startApiProcess } from '../support/api-process.js';
import { useE2eContext } from '../support/e2e-context.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { holdRequest, type HeldRequest } from '../support/raw-http.js';
import { EXIT_SLACK_MS, abandonedSteps, saysShuttingDown, signalAndWait } from '../support/shutdown-outcome.js';

describe.each(QUEUE_BACKENDS)('graceful shutdown of API processes on %s', (backend) => {
  const e2e = useE2eContext(backend);
  const held: HeldRequest[] = [];
  afterEach(() => {
    for (const request of held.splice(0)) request.abort();
  });

  /** `runq api` on the suite's database, queue backend and prefix. */
  const startApi = () =>
    startApiProcess(e2e.processes, {
      DATABASE_URL: e2e.api.database.url,
      RUNQ_QUEUE_PREFIX: e2e.api.config.queuePrefix,
      ...(e2e.api.config.redisUrl ? { REDIS_URL: e2e.api.config.redisUrl } : {}),
    });

  /** A `POST /runs` held in flight at `url` until it is finished. */
  async function startHeldRequest(url: string): Promise<HeldRequest> {
    const request = holdRequest(url, {
      path: '/runs',
      headers: { authorization: `Bearer ${e2e.client.key}` },
      body: { kind: 'task', owner: { kind: 'project', id: e2e.client.projectId }, request: { target: 'held' } },
    });
    held.push(request);
    await request.started;
    return request;
  }

  it('when an API with an open event stream and a keep-alive connection gets SIGTERM, then it ends the stream at once and exits 0', async () => {
    const api = await startApi();
    // A workflow run: no worker runs here, so its stream would stay open for good.
    const run = await e2e.client.create({ kind: 'workflow', request: { workflow_id: 'never-served', target: 'main' } });
    const stream = await fetch(`${api.url}/runs/${run.run_id}/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${e2e.client.key}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read();
    const exit = await signalAndWait(api.process, 'SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    // Neither the stream nor the idle connection waited for the drain of requests in flight.
    expect(exit.elapsedMs).toBeLessThan(API_DRAIN_MS);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read());
    expect(abandonedSteps(api.process)).toEqual([]);
  });

  it('when a request is in flight, then the API lets it finish and exits 0', async () => {
    const api = await startApi();
    const request = await startHeldRequest(api.url);
    api.process.signal('SIGTERM');
    await api.process.waitForLog((line) => saysShuttingDown(line, 'SIGTERM'));
    expect(await request.finish()).toBe(202);
    expect(await api.process.exited).toEqual({ code: 0, signal: null });
  });

  it('when a second SIGINT comes while a request in flight holds the shutdown, then the API exits at once with 130', async () => {
    const api = await startApi();
    await startHeldRequest(api.url);
    api.process.signal('SIGTERM');
    await api.process.waitForLog((line) => saysShuttingDown(line, 'SIGTERM'));
    const exit = await signalAndWait(api.process, 'SIGINT');
    expect(exit).toMatchObject({ code: 130, signal: null });
    expect(exit.elapsedMs).toBeLessThan(EXIT_SLACK_MS);
  });
});
