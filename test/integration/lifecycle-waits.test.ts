import { WAITING_REASONS } from '@runq/runs';
import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';

describe.each(QUEUE_BACKENDS)('waits and resume on %s', (backend) => {
  /** Every run id an agent handler was called for. */
  const agentCalls: string[] = [];
  /** Released by the test, keyed by run id. */
  const release = new Gates();

  const handlers: HandlerModule = {
    task: {
      // Waits for the reason in config; completes with what it was resumed with.
      wait: (run, ctx) => {
        const config = (run.config ?? {}) as { reason?: (typeof WAITING_REASONS)[number]; timeout_seconds?: number };
        if (ctx.resume) return { output: { resumed_with: ctx.resume.data, attempt: ctx.attempt } };
        ctx.log(`waiting for ${config.reason ?? 'approval'}`);
        return ctx.wait(config.reason ?? 'approval', config.timeout_seconds === undefined ? {} : { timeoutSeconds: config.timeout_seconds });
      },
      // After its resume, fails once before it completes with the resume data.
      'wait-then-flaky': (_run, ctx) => {
        if (!ctx.resume) return ctx.wait('input');
        if (ctx.attempt === 2) throw new Error('transient failure after resume');
        return { output: { resumed_with: ctx.resume.data, attempt: ctx.attempt } };
      },
      // Waits twice: the second wait must not see the first resume.
      'wait-twice': (_run, ctx) => {
        if (ctx.attempt === 1) return ctx.wait('approval');
        if (ctx.attempt === 2) return ctx.wait('input');
        return { output: { resume: ctx.resume } };
      },
      hold: async (run) => {
        await release.get(run.run_id).promise;
        return { output: 'released' };
      },
    },
    agent: {
      '*': (run) => {
        agentCalls.push(run.run_id);
        return { output: { executed_by: 'worker' } };
      },
    },
  };

  const post = (runId: string, action: string, body?: unknown) => suite.client.request('POST', `/runs/${runId}/${action}`, body);

  const suite = useLifecycleContext(backend, handlers, { queues: true, worker: { concurrency: '4' }, afterEach: () => release.releaseAll() });

  describe('runs executed by workers', () => {
    it.each(WAITING_REASONS)('when a handler calls ctx.wait("%s"), then the run is waiting with that reason and keeps its log lines', async (reason) => {
      const created = await suite.client.task('wait', { config: { reason } });
      const run = await suite.client.waitForStatus(created.run_id, 'waiting');
      expect(run).toMatchObject({ waiting_reason: reason, logs: `waiting for ${reason}`, completed_at: null, output: null });
      const events = await suite.client.validEvents(created.run_id);
      expect(statusPath(events)).toEqual(['pending', 'running', 'waiting']);
      expect(events.at(-1)?.data).toMatchObject({ waiting_reason: reason });
    });

    it('when a waiting run is resumed with data, then it is queued again and the handler sees ctx.resume.data on a new attempt', async () => {
      const created = await suite.client.task('wait');
      await suite.client.waitForStatus(created.run_id, 'waiting');
      const data = { approved: true, by: 'alice', items: [1, 2, 3] };
      const resumed = await post(created.run_id, 'resume', { data });
      expect(resumed.status).toBe(200);
      expect(['pending', 'running', 'completed']).toContain(resumed.body.status);
      expect(resumed.body.waiting_reason).toBeNull();
      const run = await suite.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toEqual({ resumed_with: data, attempt: 2 });
      expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'waiting', 'pending', 'running', 'completed']);
    });

    it('when a run is resumed with null, then the handler still sees a resume, with data null', async () => {
      const created = await suite.client.task('wait');
      await suite.client.waitForStatus(created.run_id, 'waiting');
      expect((await post(created.run_id, 'resume', { data: null })).status).toBe(200);
      const run = await suite.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toEqual({ resumed_with: null, attempt: 2 });
    });

    it('when a run waits again after a resume, then its next attempt sees the latest resume only', async () => {
      const created = await suite.client.task('wait-twice');
      await suite.client.waitFor(created.run_id, (run) => run.waiting_reason === 'approval');
      expect((await post(created.run_id, 'resume', { data: 'first' })).status).toBe(200);
      await suite.client.waitFor(created.run_id, (run) => run.waiting_reason === 'input');
      expect((await post(created.run_id, 'resume', { data: 'second' })).status).toBe(200);
      const run = await suite.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toEqual({ resume: { data: 'second' } });
    });

    it('when the attempt after a resume fails and retries remain, then the retry still sees the resume data and the wait did not use up a retry', async () => {
      const created = await suite.client.task('wait-then-flaky', { backoff_limit: 1 });
      await suite.client.waitForStatus(created.run_id, 'waiting');
      expect((await post(created.run_id, 'resume', { data: { answer: 'yes' } })).status).toBe(200);
      const run = await suite.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toEqual({ resumed_with: { answer: 'yes' }, attempt: 3 });
      expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual([
        'pending',
        'running',
        'waiting',
        'pending',
        'running',
        'pending',
        'running',
        'completed',
      ]);
    });

    it('when a run that is not waiting is resumed, then the answer is 409 and the run is unchanged', async () => {
      const running = await suite.client.task('hold');
      await suite.client.waitForStatus(running.run_id, 'running');
      const completed = await suite.client.task('wait');
      await suite.client.waitForStatus(completed.run_id, 'waiting');
      expect((await post(completed.run_id, 'resume', { data: 1 })).status).toBe(200);
      await suite.client.waitForStatus(completed.run_id, 'completed');
      for (const run of [running, completed]) {
        const before = await suite.client.get(run.run_id);
        const response = await post(run.run_id, 'resume', { data: 'again' });
        expect(response.status).toBe(409);
        expect(response.body).toMatchObject({ status: 409 });
        expect(await suite.client.get(run.run_id)).toEqual(before);
      }
      release.get(running.run_id).resolve();
      await suite.client.waitForStatus(running.run_id, 'completed');
    });

    it('when a resume has no data field, then the answer is 400 and the run keeps waiting', async () => {
      const created = await suite.client.task('wait');
      await suite.client.waitForStatus(created.run_id, 'waiting');
      const response = await post(created.run_id, 'resume', {});
      expect(response.status).toBe(400);
      expect((await suite.client.get(created.run_id)).status).toBe('waiting');
    });

    it('when a wait deadline passes before a resume, then the run fails with code wait_timeout', async () => {
      const created = await suite.client.task('wait', { config: { reason: 'event', timeout_seconds: 1 } });
      const waiting = await suite.client.waitForStatus(created.run_id, 'waiting');
      const run = await suite.client.waitForStatus(created.run_id, 'failed');
      expect(run.error).toMatchObject({ code: 'wait_timeout' });
      expect(run.waiting_reason).toBeNull();
      // Not before the deadline (one second after the wait began).
      expect(Date.parse(run.completed_at) - Date.parse(waiting.updated_at)).toBeGreaterThanOrEqual(1_000);
      const events = await suite.client.validEvents(created.run_id);
      expect(statusPath(events)).toEqual(['pending', 'running', 'waiting', 'failed']);
      expect(events.at(-1)?.data).toMatchObject({ error: { code: 'wait_timeout' } });
      expect((await post(created.run_id, 'resume', { data: 'too late' })).status).toBe(409);
    });

    it('when a run with a wait deadline is resumed in time, then the deadline no longer applies', async () => {
      const created = await suite.client.task('wait', { config: { reason: 'event', timeout_seconds: 1 } });
      await suite.client.waitForStatus(created.run_id, 'waiting');
      expect((await post(created.run_id, 'resume', { data: 'in time' })).status).toBe(200);
      const run = await suite.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toEqual({ resumed_with: 'in time', attempt: 2 });
    });
  });

  describe('runs executed by their caller (agent initial_status: running)', () => {
    const createCallerRun = async () => {
      const created = await suite.client.agent('caller-bot', { initial_status: 'running' });
      expect(created).toMatchObject({ status: 'running', started_at: expect.any(String) });
      return created;
    };

    it('when such a run is created, then no worker ever picks it up', async () => {
      const created = await createCallerRun();
      // A worker-executed agent run created afterwards goes through the same queue and completes.
      const after = await suite.client.agent('caller-bot');
      await suite.client.waitForStatus(after.run_id, 'completed');
      await suite.worker.pool.reconcileNow();
      expect(agentCalls).toContain(after.run_id);
      expect(agentCalls).not.toContain(created.run_id);
      expect(await suite.queues.jobState('agent', created.run_id)).toBeUndefined();
      const run = await suite.client.get(created.run_id);
      expect(run.status).toBe('running');
      expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['running']);
    });

    it('when the caller reports completion, then the run completes with the reported fields', async () => {
      const created = await createCallerRun();
      const response = await post(created.run_id, 'complete', {
        output: { answer: 'done' },
        logs: 'line 1\nline 2',
        artifacts: [{ uri: 's3://bucket/x' }],
        exit_code: 0,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'completed',
        output: { answer: 'done' },
        logs: 'line 1\nline 2',
        artifacts: [{ uri: 's3://bucket/x' }],
        exit_code: 0,
        duration_ms: expect.any(Number),
      });
      expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['running', 'completed']);
    });

    it('when the caller reports a failure, then the run fails with that error', async () => {
      const created = await createCallerRun();
      const response = await post(created.run_id, 'fail', { error: { message: 'model refused', code: 'refused' } });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'failed', error: { message: 'model refused', code: 'refused' } });
      expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['running', 'failed']);
    });

    it('when the caller reports a wait and then the run is resumed, then it is running again and can be completed', async () => {
      const created = await createCallerRun();
      const waiting = await post(created.run_id, 'wait', { reason: 'tool' });
      expect(waiting.status).toBe(200);
      expect(waiting.body).toMatchObject({ status: 'waiting', waiting_reason: 'tool' });
      // Only a running run can be reported on.
      expect((await post(created.run_id, 'complete', { output: 1 })).status).toBe(409);
      expect((await post(created.run_id, 'fail', { error: { message: 'x' } })).status).toBe(409);
      expect((await post(created.run_id, 'wait', { reason: 'input' })).status).toBe(409);

      const resumed = await post(created.run_id, 'resume', { data: { tool_result: 42 } });
      expect(resumed.status).toBe(200);
      expect(resumed.body).toMatchObject({ status: 'running', waiting_reason: null });
      const completed = await post(created.run_id, 'complete', { output: 'after the tool' });
      expect(completed.status).toBe(200);
      expect(completed.body.status).toBe('completed');
      expect(agentCalls).not.toContain(created.run_id);
      expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['running', 'waiting', 'pending', 'running', 'completed']);
    });

    it('when a caller-executed run is finished, then further reports are 409 and change nothing', async () => {
      const created = await createCallerRun();
      expect((await post(created.run_id, 'complete', { output: 'first' })).status).toBe(200);
      const before = await suite.client.get(created.run_id);
      expect((await post(created.run_id, 'complete', { output: 'second' })).status).toBe(409);
      expect((await post(created.run_id, 'fail', { error: { message: 'late' } })).status).toBe(409);
      expect((await post(created.run_id, 'wait', { reason: 'tool' })).status).toBe(409);
      expect(await suite.client.get(created.run_id)).toEqual(before);
    });

    it('when a caller reports on a run that a worker executes, then the answer is 409 and the run is unchanged', async () => {
      const created = await suite.client.task('hold');
      await suite.client.waitForStatus(created.run_id, 'running');
      for (const [action, body] of [
        ['complete', { output: 'stolen' }],
        ['fail', { error: { message: 'stolen' } }],
        ['wait', { reason: 'tool' }],
      ] as const) {
        const response = await post(created.run_id, action, body);
        expect(response.status).toBe(409);
        expect(response.body.detail).toContain('worker');
      }
      expect((await suite.client.get(created.run_id)).status).toBe('running');
      release.get(created.run_id).resolve();
      const run = await suite.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toBe('released');
    });

    it('when a caller-reported wait has a deadline far in the future, then the run waits and can still be resumed', async () => {
      const created = await createCallerRun();
      const waiting = await post(created.run_id, 'wait', { reason: 'event', timeout_seconds: 1e300 });
      expect(waiting.status).toBe(200);
      expect(waiting.body.status).toBe('waiting');
      await suite.worker.pool.reconcileNow();
      expect((await suite.client.get(created.run_id)).status).toBe('waiting');
      expect((await post(created.run_id, 'resume', { data: null })).body.status).toBe('running');
    });

    it('when a caller-reported wait has a deadline that passes, then the run fails with code wait_timeout', async () => {
      const created = await createCallerRun();
      expect((await post(created.run_id, 'wait', { reason: 'approval', timeout_seconds: 0.5 })).status).toBe(200);
      const run = await suite.client.waitForStatus(created.run_id, 'failed');
      expect(run.error).toMatchObject({ code: 'wait_timeout' });
      expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['running', 'waiting', 'failed']);
    });
  });
});
