import { randomUUID } from 'node:crypto';
import { waitFor } from '@runq/local/testing';
import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { expectValidEventLog, statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS, requestJson } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { jobIdOf, jobStateOf } from '../support/test-queues.js';

describe.each(QUEUE_BACKENDS)('cancellation on %s', (backend) => {
  /** Resolved by a handler when it starts, keyed by run id. */
  const started = new Gates();
  /** Resolved with the signal's reason when an attempt's signal fires, keyed by run id. */
  const aborted = new Gates<unknown>();
  /** Released by the test, keyed by run id. */
  const release = new Gates();
  /** Resolved when a handler that ignored its signal returned, keyed by run id. */
  const returned = new Gates();

  const handlers: HandlerModule = {
    task: {
      ok: () => ({ output: 'done' }),
      fail: () => {
        throw new Error('nope');
      },
      flaky: (_run, ctx) => {
        throw new Error(`attempt ${ctx.attempt} failed`);
      },
      // Runs until its signal fires.
      hold: (run, ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.get(run.run_id).resolve(ctx.signal.reason);
            reject(new Error('stopped'));
          });
          started.get(run.run_id).resolve();
        }),
      // Ignores its signal and returns when released.
      stubborn: async (run, ctx) => {
        ctx.signal.addEventListener('abort', () => aborted.get(run.run_id).resolve(ctx.signal.reason));
        started.get(run.run_id).resolve();
        await release.get(run.run_id).promise;
        returned.get(run.run_id).resolve();
        ctx.log('late line');
        return { output: 'late', logs: 'late logs', exit_code: 3 };
      },
      approval: (_run, ctx) => ctx.wait('approval'),
    },
  };

  const cancel = (runId: string) => suite.client.request('POST', `/runs/${runId}/cancel`);
  const storedStatus = async (runId: string) =>
    (await suite.api.db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status;

  // No worker consumes evals: an eval run stays queued until it is cancelled.
  const suite = useLifecycleContext(backend, handlers, {
    queues: true,
    worker: { kinds: 'task,workflow,agent', concurrency: '8' },
    afterEach: () => release.releaseAll(),
  });

  it('when a queued run is cancelled, then it is cancelled at once in Postgres and its job leaves the queue', async () => {
    const created = await suite.client.create({ kind: 'eval', request: { target: 'queued' } });
    expect(await jobStateOf(suite.api, suite.queues, 'eval', created.run_id)).toBe('waiting');
    const response = await cancel(created.run_id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ run_id: created.run_id, status: 'cancelled' });
    expect(response.body.completed_at).not.toBeNull();
    expect(await storedStatus(created.run_id)).toBe('cancelled');
    expect(await jobStateOf(suite.api, suite.queues, 'eval', created.run_id)).toBeUndefined();
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'cancelled']);
  });

  it('when a run waiting for its retry is cancelled, then the delayed retry leaves the queue and never runs', async () => {
    const created = await suite.client.task('flaky', { backoff_limit: 3 });
    await suite.client.waitFor(created.run_id, (run) => run.status === 'pending' && run.error !== null);
    const retryJob = await jobIdOf(suite.api, created.run_id);
    expect(retryJob).not.toBe(created.run_id);
    // The retry transition commits before the worker adds the delayed job: wait for the job.
    await waitFor('the delayed retry job', async () => (await suite.queues.jobState('task', retryJob)) === 'delayed');
    const response = await cancel(created.run_id);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    expect(await suite.queues.jobState('task', retryJob)).toBeUndefined();
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'pending', 'cancelled']);
    expect(events.at(-1)?.attempt).toBe(1);
  });

  it('when a waiting run is cancelled, then it is cancelled without its waiting reason and can no longer be resumed', async () => {
    const created = await suite.client.task('approval');
    await suite.client.waitFor(created.run_id, (run) => run.status === 'waiting');
    const response = await cancel(created.run_id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'cancelled', waiting_reason: null });
    expect(await storedStatus(created.run_id)).toBe('cancelled');
    const resumed = await suite.client.request('POST', `/runs/${created.run_id}/resume`, { data: 1 });
    expect(resumed.status).toBe(409);
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'waiting', 'cancelled']);
  });

  it('when a running run is cancelled, then it is cancelled at once and its handler sees ctx.signal fire', async () => {
    const created = await suite.client.task('hold');
    await started.get(created.run_id).promise;
    const response = await cancel(created.run_id);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    expect(await storedStatus(created.run_id)).toBe('cancelled');
    const reason = await aborted.get(created.run_id).promise;
    expect(reason).toMatchObject({ cause: 'cancelled' });
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'cancelled']);
    expect(events.at(-1)?.attempt).toBe(1);
  });

  it('when a cancelled handler ignores its signal and returns later, then its result changes nothing', async () => {
    const created = await suite.client.task('stubborn');
    await started.get(created.run_id).promise;
    const response = await cancel(created.run_id);
    expect(response.status).toBe(200);
    await aborted.get(created.run_id).promise;
    release.get(created.run_id).resolve();
    await returned.get(created.run_id).promise;
    // A run through the same worker afterwards: the late result had every chance to land first.
    const later = await suite.client.task('ok');
    await suite.client.waitForStatus(later.run_id, 'completed');
    const run = await suite.client.get(created.run_id);
    expect(run).toMatchObject({ status: 'cancelled', output: null, logs: null, exit_code: null, completed_at: response.body.completed_at });
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'cancelled']);
  });

  it('when a run is cancelled, then every non-terminal descendant several levels down is cancelled with it and finished ones stay as they are', async () => {
    const root = await suite.client.task('hold');
    const child = await suite.client.task('approval', {}, { parent_run_id: root.run_id });
    const done = await suite.client.task('ok', {}, { parent_run_id: root.run_id });
    const grandchild = await suite.client.create({ kind: 'eval', request: { target: 'queued' }, parent_run_id: child.run_id });
    const greatGrandchild = await suite.client.task('hold', {}, { parent_run_id: grandchild.run_id });
    await Promise.all([started.get(root.run_id).promise, started.get(greatGrandchild.run_id).promise]);
    await suite.client.waitForStatus(child.run_id, 'waiting');
    await suite.client.waitForStatus(done.run_id, 'completed');
    expect(greatGrandchild.root_run_id).toBe(root.run_id);

    const response = await cancel(root.run_id);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    for (const run of [root, child, grandchild, greatGrandchild]) {
      expect(await storedStatus(run.run_id)).toBe('cancelled');
    }
    expect((await suite.client.get(done.run_id)).status).toBe('completed');
    await Promise.all([aborted.get(root.run_id).promise, aborted.get(greatGrandchild.run_id).promise]);
    expect(await jobStateOf(suite.api, suite.queues, 'eval', grandchild.run_id)).toBeUndefined();
    for (const run of [child, grandchild, greatGrandchild]) {
      const events = await suite.client.validEvents(run.run_id);
      expect(events.at(-1)).toMatchObject({ to_status: 'cancelled', data: { cancelled_with: root.run_id } });
    }
    expect(statusPath(await suite.client.validEvents(done.run_id))).toEqual(['pending', 'running', 'completed']);
  });

  it('when a descendant is cancelled, then its subtree is cancelled and its ancestors keep running', async () => {
    const root = await suite.client.task('hold');
    const child = await suite.client.task('hold', {}, { parent_run_id: root.run_id });
    const grandchild = await suite.client.task('hold', {}, { parent_run_id: child.run_id });
    await Promise.all([root, child, grandchild].map((run) => started.get(run.run_id).promise));
    const response = await cancel(child.run_id);
    expect(response.status).toBe(200);
    expect(await storedStatus(child.run_id)).toBe('cancelled');
    expect(await storedStatus(grandchild.run_id)).toBe('cancelled');
    expect(await storedStatus(root.run_id)).toBe('running');
    expect(aborted.get(root.run_id).settled).toBe(false);
    expect((await cancel(root.run_id)).status).toBe(200);
    await aborted.get(root.run_id).promise;
  });

  it('when a run has a descendant in a project the canceller cannot see, then that descendant is left alone', async () => {
    const otherProject = randomUUID();
    const bothKey = await suite.api.createKey([suite.client.projectId, otherProject]);
    const root = await suite.client.create({ kind: 'eval', request: { target: 'queued' } });
    const child = await requestJson(suite.api.url, 'POST', '/runs', {
      key: bothKey,
      body: { kind: 'eval', owner: { kind: 'project', id: otherProject }, request: { target: 'queued' }, parent_run_id: root.run_id },
    });
    expect(child.status).toBe(202);
    const response = await cancel(root.run_id);
    expect(response.status).toBe(200);
    // The canceller's key sees only its own project: the other project's run is not its to cancel.
    expect(await storedStatus(child.body.run.run_id)).toBe('pending');
    expect(await jobStateOf(suite.api, suite.queues, 'eval', child.body.run.run_id)).toBe('waiting');
    // Cancelled by a key that sees both projects, the tree goes as a whole.
    const root2 = await suite.client.create({ kind: 'eval', request: { target: 'queued' } });
    const child2 = await requestJson(suite.api.url, 'POST', '/runs', {
      key: bothKey,
      body: { kind: 'eval', owner: { kind: 'project', id: otherProject }, request: { target: 'queued' }, parent_run_id: root2.run_id },
    });
    expect((await requestJson(suite.api.url, 'POST', `/runs/${root2.run_id}/cancel`, { key: bothKey })).status).toBe(200);
    expect(await storedStatus(child2.body.run.run_id)).toBe('cancelled');
    for (const run of [child.body.run, child2.body.run]) {
      await expectValidEventLog(suite.api, bothKey, run.run_id);
    }
    expect((await requestJson(suite.api.url, 'POST', `/runs/${child.body.run.run_id}/cancel`, { key: bothKey })).status).toBe(200);
  });

  it('when a terminal run is cancelled, then the answer is 409 and the run is unchanged', async () => {
    const completed = await suite.client.task('ok');
    const failed = await suite.client.task('fail');
    const cancelled = await suite.client.create({ kind: 'eval', request: { target: 'queued' } });
    await suite.client.waitForStatus(completed.run_id, 'completed');
    await suite.client.waitForStatus(failed.run_id, 'failed');
    expect((await cancel(cancelled.run_id)).status).toBe(200);
    for (const run of [completed, failed, cancelled]) {
      const before = await suite.client.get(run.run_id);
      const response = await cancel(run.run_id);
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 409 });
      expect(await suite.client.get(run.run_id)).toEqual(before);
    }
  });

  it('when a run that does not exist is cancelled, then the answer is 404', async () => {
    const response = await cancel('run_01JDX3Q8Z1R6M1V2X8B3C4D5E6');
    expect(response.status).toBe(404);
  });
});
