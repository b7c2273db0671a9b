import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { eventLogProblems, statusPath } from '../support/event-log.js';
import { openRunEventStream, type RunEventStream } from '../support/event-stream.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';

describe.each(QUEUE_BACKENDS)('live event stream on %s', (backend) => {
  /** Released by the test, keyed by `<run id>:<attempt>`. */
  const release = new Gates();
  const streams: RunEventStream[] = [];

  const handlers: HandlerModule = {
    task: {
      gated: async (run, ctx) => {
        await release.get(`${run.run_id}:${ctx.attempt}`).promise;
        return { output: { attempt: ctx.attempt } };
      },
      'gated-flaky': async (run, ctx) => {
        await release.get(`${run.run_id}:${ctx.attempt}`).promise;
        if (ctx.attempt === 1) throw new Error('first attempt fails');
        return ctx.resume ? { output: ctx.resume.data } : ctx.wait('approval');
      },
      ok: () => ({ output: 'ok' }),
    },
  };

  const stream = async (runId: string, headers?: Record<string, string>) => {
    const opened = await openRunEventStream(suite.api.url, suite.client.key, runId, headers);
    streams.push(opened);
    return opened;
  };

  const suite = useLifecycleContext(backend, handlers, {
    afterEach: () => {
      release.releaseAll();
      for (const opened of streams.splice(0)) opened.close();
    },
  });

  it("when a client streams a run's events, then it receives each transition as it happens and the stream ends after the terminal one", async () => {
    const created = await suite.client.task('gated');
    const live = await stream(created.run_id);
    expect(live.status).toBe(200);
    expect(live.contentType).toContain('text/event-stream');
    // The run is still running: these arrive live, before the terminal event exists.
    await live.until((events) => events.some((event) => event.to_status === 'running'));
    expect(live.hasEnded).toBe(false);
    expect((await suite.client.get(created.run_id)).status).toBe('running');

    release.get(`${created.run_id}:1`).resolve();
    await live.ended;
    expect(statusPath(live.events)).toEqual(['pending', 'running', 'completed']);
    // The same events as the JSON form, with ids and event names the SSE way.
    expect(live.events).toEqual(await suite.client.validEvents(created.run_id));
    expect(live.messages.map((message) => message.id)).toEqual(['1', '2', '3']);
    expect(live.messages.every((message) => message.event === 'run_event')).toBe(true);
  });

  it('when a run retries, waits and is resumed while streamed, then the stream carries the whole valid path and ends with it', async () => {
    const created = await suite.client.task('gated-flaky', { backoff_limit: 1 });
    const live = await stream(created.run_id);
    await live.until((events) => events.some((event) => event.to_status === 'running'));
    release.get(`${created.run_id}:1`).resolve();
    await live.until((events) => events.filter((event) => event.to_status === 'running').length === 2);
    release.get(`${created.run_id}:2`).resolve();
    await live.until((events) => events.at(-1)?.to_status === 'waiting');
    expect(live.hasEnded).toBe(false);
    expect((await suite.client.request('POST', `/runs/${created.run_id}/resume`, { data: 'go' })).status).toBe(200);
    release.get(`${created.run_id}:3`).resolve();
    await live.ended;
    expect(eventLogProblems(created.run_id, live.events)).toEqual([]);
    expect(statusPath(live.events)).toEqual(['pending', 'running', 'pending', 'running', 'waiting', 'pending', 'running', 'completed']);
    expect(live.events).toEqual(await suite.client.validEvents(created.run_id));
  });

  it('when a finished run is streamed, then the stream replays its events and ends', async () => {
    const created = await suite.client.task('ok');
    await suite.client.waitForStatus(created.run_id, 'completed');
    const replay = await stream(created.run_id);
    await replay.ended;
    expect(replay.events).toEqual(await suite.client.validEvents(created.run_id));
  });

  it('when a client reconnects with Last-Event-ID, then only the later events are sent', async () => {
    const created = await suite.client.task('ok');
    await suite.client.waitForStatus(created.run_id, 'completed');
    const resumed = await stream(created.run_id, { 'last-event-id': '1' });
    await resumed.ended;
    expect(resumed.events.map((event) => event.seq)).toEqual([2, 3]);
  });

  it('when a client reconnects after the terminal event, as EventSource does when a stream ends, then the stream ends at once and empty', async () => {
    const created = await suite.client.task('ok');
    await suite.client.waitForStatus(created.run_id, 'completed');
    const last = (await suite.client.validEvents(created.run_id)).at(-1)!;
    const reconnected = await stream(created.run_id, { 'last-event-id': String(last.seq) });
    const outcome = await Promise.race([reconnected.ended.then(() => 'ended'), new Promise((resolve) => setTimeout(resolve, 3_000, 'still open'))]);
    expect(outcome).toBe('ended');
    expect(reconnected.events).toEqual([]);
  });

  it('when a cancelled run is streamed, then the stream ends with the cancellation', async () => {
    const created = await suite.client.task('gated');
    const live = await stream(created.run_id);
    await live.until((events) => events.some((event) => event.to_status === 'running'));
    expect((await suite.client.request('POST', `/runs/${created.run_id}/cancel`)).status).toBe(200);
    await live.ended;
    expect(statusPath(live.events)).toEqual(['pending', 'running', 'cancelled']);
  });

  it('when the run does not exist, then the stream request is 404', async () => {
    const missing = await stream('run_01JDX3Q8Z1R6M1V2X8B3C4D5E6');
    expect(missing.status).toBe(404);
  });
});
