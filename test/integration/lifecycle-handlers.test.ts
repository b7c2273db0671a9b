import type { HandlerContext, HandlerModule } from '@runq/worker';
import { statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS, startTestApi, startTestWorker } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { RunClient } from '../support/run-client.js';

/** What a handler saw, recorded by the handlers below for the tests to assert on. */
interface Call {
  handler: string;
  runId: string;
  status: string;
  attempt: number;
  resume: unknown;
  signalAborted: boolean;
}

describe.each(QUEUE_BACKENDS)('worker handlers on %s', (backend) => {
  const calls: Call[] = [];
  const record = (handler: string) => (run: { run_id: string; status: string }, ctx: HandlerContext) => {
    calls.push({ handler, runId: run.run_id, status: run.status, attempt: ctx.attempt, resume: ctx.resume, signalAborted: ctx.signal.aborted });
    return { output: { handler } };
  };
  const callsOf = (runId: string) => calls.filter((call) => call.runId === runId);

  const handlers: HandlerModule = {
    task: {
      exact: record('task:exact'),
      '*': record('task:*'),
      report: async (_run, ctx) => {
        ctx.log('first line');
        await new Promise((resolve) => setTimeout(resolve, 150));
        ctx.log('second line');
        return { output: { answer: 42, nested: [1, 'two'] }, logs: 'returned logs', artifacts: [{ name: 'a.txt', size: 3 }], exit_code: 7 };
      },
      'throw-coded': (_run, ctx) => {
        ctx.log('about to fail');
        throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      },
      'throw-numeric-code': () => {
        throw Object.assign(new Error('numeric code'), { code: 42 });
      },
      'throw-string': () => {
        throw 'a bare string';
      },
    },
    workflow: { 'nightly-sync': record('workflow:nightly-sync'), main: record('workflow:main') },
    agent: { 'support-bot': record('agent:support-bot') },
    // No "*" here: an eval without an exact handler has none.
    eval: { 'accuracy-suite': record('eval:accuracy-suite') },
  };

  const suite = useLifecycleContext(backend, handlers);

  it('when a task names a handler, then that handler runs with the run, attempt 1, no resume and a live signal', async () => {
    const created = await suite.client.task('exact');
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ handler: 'task:exact' });
    expect(callsOf(created.run_id)).toEqual([
      { handler: 'task:exact', runId: created.run_id, status: 'running', attempt: 1, resume: null, signalAborted: false },
    ]);
  });

  it('when no handler has the task name, then the kind\'s "*" handler runs', async () => {
    const created = await suite.client.task('nobody-has-this');
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ handler: 'task:*' });
  });

  it('when a workflow runs, then the handler is chosen by request.workflow_id, not by its target', async () => {
    const created = await suite.client.create({ kind: 'workflow', request: { workflow_id: 'nightly-sync', target: 'main' } });
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ handler: 'workflow:nightly-sync' });
  });

  it('when an eval runs, then the handler is chosen by request.target', async () => {
    const created = await suite.client.create({ kind: 'eval', request: { target: 'accuracy-suite' } });
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ handler: 'eval:accuracy-suite' });
  });

  it('when an agent run runs, then the handler is chosen by the agent id', async () => {
    const created = await suite.client.agent('support-bot');
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ handler: 'agent:support-bot' });
  });

  it('when an agent run names its agent inside its input (the stream form), then the handler is chosen by that agent id', async () => {
    const created = await suite.client.create({ kind: 'agent', request: { mode: 'agent', input: { agent_id: 'support-bot' } } });
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toEqual({ handler: 'agent:support-bot' });
  });

  it('when a handler logs and returns output, logs, artifacts and exit_code, then the run completes with them and a duration', async () => {
    const created = await suite.client.task('report');
    const run = await suite.client.waitForStatus(created.run_id, 'completed');
    expect(run).toMatchObject({
      output: { answer: 42, nested: [1, 'two'] },
      logs: 'first line\nsecond line\nreturned logs',
      artifacts: [{ name: 'a.txt', size: 3 }],
      exit_code: 7,
      error: null,
    });
    // The handler alone slept 150 ms.
    expect(run.duration_ms).toBeGreaterThanOrEqual(150);
    expect(run.started_at).not.toBeNull();
    expect(Date.parse(run.completed_at)).toBeGreaterThanOrEqual(Date.parse(run.started_at));
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'completed']);
  });

  it('when a handler throws an error with a string code, then the run fails with its message and code and keeps its log lines', async () => {
    const created = await suite.client.task('throw-coded');
    const run = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(run.error).toEqual({ message: 'disk full', code: 'ENOSPC' });
    expect(run.logs).toBe('about to fail');
    expect(run.output).toBeNull();
    expect(run.duration_ms).toEqual(expect.any(Number));
    const events = await suite.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'failed']);
    expect(events.at(-1)?.data).toMatchObject({ error: { message: 'disk full', code: 'ENOSPC' } });
  });

  it('when a thrown error has a code that is not a string, then the run fails with its message and no code', async () => {
    const created = await suite.client.task('throw-numeric-code');
    const run = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(run.error).toEqual({ message: 'numeric code' });
  });

  it('when a handler throws something that is not an Error, then the run fails with it as the message', async () => {
    const created = await suite.client.task('throw-string');
    const run = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(run.error).toEqual({ message: 'a bare string' });
  });

  it('when no handler matches and the kind has no "*", then the run fails at once with code handler_not_found, without retries', async () => {
    const created = await suite.client.create({ kind: 'eval', request: { target: 'unknown-suite' } });
    const run = await suite.client.waitForStatus(created.run_id, 'failed');
    expect(run.error).toMatchObject({ code: 'handler_not_found' });
    expect(run.error.message).toContain('unknown-suite');
    expect(statusPath(await suite.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'failed']);
  });

  it('when the handler module has nothing for a kind, then its runs fail with code handler_not_found even with retries allowed', async () => {
    const other = await startTestApi({ backend });
    try {
      const otherClient = await RunClient.open(other);
      const onlyWorkflows = await startTestWorker(other, { workflow: { '*': () => ({ output: 'never' }) } });
      try {
        const created = await otherClient.task('anything', { backoff_limit: 3 });
        const run = await otherClient.waitForStatus(created.run_id, 'failed');
        expect(run.error).toMatchObject({ code: 'handler_not_found' });
        // Not retryable: one attempt however many retries were allowed.
        expect(statusPath(await otherClient.validEvents(created.run_id))).toEqual(['pending', 'running', 'failed']);
        await otherClient.verifyEventLogs();
      } finally {
        await onlyWorkflows.close();
      }
    } finally {
      await other.close();
    }
  });
});
