import { randomUUID } from 'node:crypto';
import { transitionRun } from '@runq/db';
import { waitFor } from '@runq/local/testing';
import { BACKOFF_BASE_MS } from '@runq/runs';
import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { statusPath, type ObservedRunEvent } from '../support/event-log.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';

/** The retry events of a log (running -> pending) with the claim that followed each. */
function retries(events: readonly ObservedRunEvent[]): { retry: ObservedRunEvent; next: ObservedRunEvent | undefined }[] {
  return events.flatMap((event, index) =>
    event.from_status === 'running' && event.to_status === 'pending' ? [{ retry: event, next: events[index + 1] }] : [],
  );
}

describe.each(QUEUE_BACKENDS)('attempts on %s', (backend) => {
  /** Gates keyed `<run id>:<attempt>`: released by the test. */
  const release = new Gates();
  /** Gates keyed `<run id>:<attempt>`: resolved by the handler when it started, with the start time. */
  const started = new Gates<number>();
  /** Gates keyed `<run id>:<attempt>`: resolved when the attempt's signal fired, with the elapsed ms. */
  const aborted = new Gates<number>();
  /** Gates keyed `<run id>:<attempt>`: resolved when a handler that ignored its signal returned. */
  const returned = new Gates();

  const handlers: HandlerModule = {
    task: {
      // Throws on every attempt before `succeed_on` (never succeeds without it).
      flaky: (run, ctx) => {
        const succeedOn = (run.config as { succeed_on?: number } | null)?.succeed_on;
        if (succeedOn === undefined || ctx.attempt < succeedOn) {
          throw Object.assign(new Error(`attempt ${ctx.attempt} failed`), { code: `E_ATTEMPT_${ctx.attempt}` });
        }
        return { output: { attempt: ctx.attempt } };
      },
      // Attempt 1 waits for its signal and rejects when it fires; later attempts complete.
      'slow-first': (run, ctx) => {
        const key = `${run.run_id}:${ctx.attempt}`;
        const at = Date.now();
        started.get(key).resolve(at);
        if (ctx.attempt > 1) return { output: { attempt: ctx.attempt } };
        return new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.get(key).resolve(Date.now() - at);
            reject(new Error('gave up'));
          });
        });
      },
      // Ignores its signal: returns only when the test releases it.
      stubborn: async (run, ctx) => {
        const key = `${run.run_id}:${ctx.attempt}`;
        started.get(key).resolve(Date.now());
        ctx.signal.addEventListener('abort', () => aborted.get(key).resolve(0));
        await release.get(key).promise;
        returned.get(key).resolve();
        return { output: { attempt: ctx.attempt } };
      },
    },
  };

  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: '4' }, afterEach: () => release.releaseAll() });

  it('when attempts fail and retries remain, then each retry is running -> pending -> running with a new attempt after an exponential backoff', async () => {
    const created = await suite.client.task('flaky', { backoff_limit: 2, config: { succeed_on: 3 } });
    // Between attempts, the error of the attempt that just failed is on the run.
    const between = await suite.client.waitFor(created.run_id, (run) => run.status === 'pending' && run.error !== null);
    expect(between.error).toEqual({ message: 'attempt 1 failed', code: 'E_ATTEMPT_1' });
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ attempt: 3 });
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'pending', 'running', 'pending', 'running', 'completed']);
    expect(events.map((event) => event.attempt)).toEqual([0, 1, 1, 2, 2, 3, 3]);
    const steps = retries(events);
    expect(steps).toHaveLength(2);
    steps.forEach(({ retry, next }, index) => {
      // Attempt n waits between half and all of BASE * 2^(n-1): exponential, with jitter.
      const ceiling = BACKOFF_BASE_MS * 2 ** index;
      expect(retry.data.error).toEqual({ message: `attempt ${index + 1} failed`, code: `E_ATTEMPT_${index + 1}` });
      expect(retry.data.retry_in_ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(retry.data.retry_in_ms).toBeLessThanOrEqual(ceiling);
      // The next attempt did not start before its backoff was over (both times from the database clock).
      expect(Date.parse(next!.at) - Date.parse(retry.at)).toBeGreaterThanOrEqual(retry.data.retry_in_ms - 5);
    });
  });

  it('when every attempt fails, then the run fails after backoff_limit + 1 attempts with the last error', async () => {
    const created = await suite.client.task('flaky', { backoff_limit: 1 });
    const run = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(run.error).toEqual({ message: 'attempt 2 failed', code: 'E_ATTEMPT_2' });
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'pending', 'running', 'failed']);
    expect(events.at(-1)).toMatchObject({ attempt: 2, data: { error: { message: 'attempt 2 failed', code: 'E_ATTEMPT_2' } } });
  });

  it('when no backoff_limit is given, then a failed attempt is not retried', async () => {
    const created = await suite.client.task('flaky');
    const run = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(run.error).toEqual({ message: 'attempt 1 failed', code: 'E_ATTEMPT_1' });
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'failed']);
  });

  it('when several runs fail together, then their retry delays are jittered, not identical', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => suite.client.task('flaky', { backoff_limit: 1, config: { succeed_on: 2 } })));
    const delays: number[] = [];
    for (const created of runs) {
      await suite.client.waitForStatus(created.run_id, 'completed');
      const [step] = retries(await suite.client.validEvents(created.run_id));
      delays.push(step!.retry.data.retry_in_ms);
    }
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2);
      expect(delay).toBeLessThanOrEqual(BACKOFF_BASE_MS);
    }
    // Four draws from 500 possible values are all equal with probability 500^-3.
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('when an attempt runs past timeout_seconds, then ctx.signal fires, the attempt fails with code timeout and is retried', async () => {
    const created = await suite.client.task('slow-first', { timeout_seconds: 1, backoff_limit: 1 });
    const elapsed = await aborted.get(`${created.run_id}:1`).promise;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_000);
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ attempt: 2 });
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'pending', 'running', 'completed']);
    expect(events[2]?.data.error).toMatchObject({ code: 'timeout' });
  });

  it('when the last attempt times out, then the run fails with code timeout', async () => {
    const created = await suite.client.task('slow-first', { timeout_seconds: 1 });
    const run = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(run.error).toEqual({ message: expect.stringContaining('timed out'), code: 'timeout' });
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'failed']);
  });

  it('when a handler ignores its signal past the timeout, then the run moves on without it and its late result is discarded', async () => {
    const created = await suite.client.task('stubborn', { timeout_seconds: 1, backoff_limit: 1 });
    const first = `${created.run_id}:1`;
    const second = `${created.run_id}:2`;
    await aborted.get(first).promise;
    // The run went on to attempt 2 while attempt 1 is still inside its handler.
    await started.get(second).promise;
    expect(returned.get(first).settled).toBe(false);
    const during = await suite.client.get(created.run_id);
    expect(during.status).toBe('running');

    // Attempt 1 returns late, while attempt 2 holds the claim: nothing it returns is stored.
    release.get(first).resolve();
    await returned.get(first).promise;
    release.get(second).resolve();
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ attempt: 2 });
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'pending', 'running', 'completed']);
    expect(events.at(-1)?.attempt).toBe(2);
  });

  it("when another worker took the claim over while the handler ran, then the handler's result is refused by the fence", async () => {
    const created = await suite.client.task('stubborn');
    const first = `${created.run_id}:1`;
    await started.get(first).promise;
    // What a second worker does after the first one stalled: a new attempt under its own claim.
    const takeover = await transitionRun(suite.api.db, {
      runId: created.run_id,
      transition: 'reclaim',
      claim: { leaseToken: randomUUID(), leaseMs: 60_000 },
      data: { worker: 'another-worker' },
    });
    expect(takeover.moved).toBe(true);
    release.get(first).resolve();
    await returned.get(first).promise;
    // The first worker reports that its write was fenced off (or, had its lease renewal come
    // first, that it noticed the lost claim and aborted): either way nothing was written.
    await waitFor('the superseded attempt to settle', () =>
      suite.worker.logs.some((line) => {
        const entry = JSON.parse(line);
        return entry.runId === created.run_id && entry.attempt === 1 && ['claim superseded; result discarded', 'attempt aborted'].includes(entry.msg);
      }),
    );
    const run = await suite.client.get(created.run_id);
    expect(run).toMatchObject({ status: 'running', output: null, completed_at: null });
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'running']);
    expect(events.at(-1)?.data).toEqual({ worker: 'another-worker' });
    expect((await suite.client.request('POST', `/runs/${created.run_id}/cancel`)).status).toBe(200);
  });

  it('when a handler ignores its signal and no attempts remain, then the run fails with code timeout at once and stays failed after the handler returns', async () => {
    const created = await suite.client.task('stubborn', { timeout_seconds: 1 });
    const key = `${created.run_id}:1`;
    const failed = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(failed.error).toMatchObject({ code: 'timeout' });
    expect(returned.get(key).settled).toBe(false);

    release.get(key).resolve();
    await returned.get(key).promise;
    // A second run through the same worker afterwards: the late result had every chance to land first.
    const later = await suite.client.task('flaky', { config: { succeed_on: 1 } });
    await suite.client.waitForStatus(later.run_id, 'completed');
    const after = await suite.client.get(created.run_id);
    expect(after).toMatchObject({ status: 'failed', output: null, error: failed.error, completed_at: failed.completed_at });
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'failed']);
  });
});
