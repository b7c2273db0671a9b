import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURE_HANDLERS, useE2eContext } from '../support/e2e-context.js';
import { statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { ReportDir } from '../support/report-file.js';
import { ProcessGroup, fixturePath, workerEnv, type ProcessExit } from '../support/worker-process.js';

describe.each(QUEUE_BACKENDS)('runq worker --handlers on %s', (backend) => {
  const e2e = useE2eContext(backend);

  it('when the handlers are an ES module, then a worker process runs them by name and with the "*" fallback', async () => {
    const worker = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    const task = await e2e.client.task('echo', { config: { n: 1 } });
    const workflow = await e2e.client.create({ kind: 'workflow', request: { workflow_id: 'any-workflow', target: 'main' } });
    const done = await e2e.client.waitForStatus(task.run_id, 'completed');
    expect(done).toMatchObject({
      output: { via: 'esm', pid: worker.pid, attempt: 1, config: { n: 1 } },
      logs: 'echo on attempt 1',
      exit_code: 0,
    });
    expect((await e2e.client.waitForStatus(workflow.run_id, 'completed')).output).toEqual({ via: 'esm', workflow_id: 'any-workflow' });
    expect(statusPath(await e2e.client.validEvents(task.run_id))).toEqual(['pending', 'running', 'completed']);
  });

  it('when the handlers are a CommonJS file, then a worker process runs them', async () => {
    const worker = await e2e.processes.startWorker(e2e.api, fixturePath('handlers.cjs'));
    const task = await e2e.client.task('echo');
    const agent = await e2e.client.agent('helper-bot');
    expect(await e2e.client.waitForStatus(task.run_id, 'completed')).toMatchObject({
      output: { via: 'cjs', pid: worker.pid, attempt: 1 },
      logs: 'cjs echo on attempt 1',
    });
    expect((await e2e.client.waitForStatus(agent.run_id, 'completed')).output).toEqual({ via: 'cjs', agent_id: 'helper-bot' });
  });

  it('when the handlers are CommonJS compiled from an ES module (exports.default), then a worker process runs them', async () => {
    const worker = await e2e.processes.startWorker(e2e.api, fixturePath('handlers-transpiled.cjs'));
    const task = await e2e.client.task('echo');
    expect((await e2e.client.waitForStatus(task.run_id, 'completed')).output).toEqual({ via: 'transpiled-cjs', pid: worker.pid, attempt: 1 });
  });

  it('when the module has no handler for a run, then the worker process fails it with code handler_not_found', async () => {
    await e2e.processes.startWorker(e2e.api, fixturePath('handlers.cjs'));
    const task = await e2e.client.task('not-in-the-module');
    const run = await e2e.client.waitForStatus(task.run_id, 'failed');
    expect(run.error).toMatchObject({ code: 'handler_not_found' });
  });

  it('when Postgres cannot be reached at start, then the worker exits non-zero with one line naming DATABASE_URL', async () => {
    // On Redis, the queue connection itself succeeds: it must not keep the failed process alive.
    const worker = e2e.processes.run(['worker', '--handlers', FIXTURE_HANDLERS], workerEnv(e2e.api, { DATABASE_URL: 'postgres://127.0.0.1:1/none' }));
    const exit = await worker.exited;
    expect(exit.code).toBe(1);
    expect(worker.stderr).toHaveLength(1);
    expect(worker.stderr[0]).toContain('DATABASE_URL');
  });

  it('when a running run is cancelled, then the handler in the worker process sees ctx.signal fire within a second', async () => {
    await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    const report = e2e.reports.file('cancel');
    const created = await e2e.client.task('hold', { config: { report } });
    await e2e.reports.waitFor(report, (record) => record.event === 'started');
    const cancelledAt = Date.now();
    const response = await e2e.client.request('POST', `/runs/${created.run_id}/cancel`);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    const aborted = await e2e.reports.waitFor(report, (record) => record.event === 'aborted');
    expect(aborted.cause).toBe('cancelled');
    // The handler's own clock, on the same machine: how long the signal took to reach it.
    expect(aborted.at - cancelledAt).toBeLessThan(1_000);
    expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'cancelled']);
  });

  it('when a descendant runs in another worker process, then cancelling its ancestor fires its signal too', async () => {
    await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    const report = e2e.reports.file('tree');
    const root = await e2e.client.task('hold', { config: { report } });
    const child = await e2e.client.task('hold', { config: { report } }, { parent_run_id: root.run_id });
    const grandchild = await e2e.client.task('hold', { config: { report } }, { parent_run_id: child.run_id });
    for (const run of [root, child, grandchild]) {
      await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.run_id === run.run_id);
    }
    const cancelledAt = Date.now();
    expect((await e2e.client.request('POST', `/runs/${root.run_id}/cancel`)).status).toBe(200);
    for (const run of [root, child, grandchild]) {
      const aborted = await e2e.reports.waitFor(report, (record) => record.event === 'aborted' && record.run_id === run.run_id);
      expect(aborted.at - cancelledAt).toBeLessThan(1_000);
      expect((await e2e.client.get(run.run_id)).status).toBe('cancelled');
    }
  });
});

describe('runq worker with a malformed handler module', () => {
  const processes = new ProcessGroup();
  let scratch: ReportDir;
  const MALFORMED = [
    ['a handler that is not a function', 'malformed-not-a-function.mjs', /task\["resize-image"\] must be a function/],
    ['a key that is not a run kind (CommonJS)', 'malformed-unknown-kind.cjs', /"tasks" is not a run kind/],
    ['no default export', 'malformed-no-default.mjs', /no default export/],
    ['an error while loading', 'malformed-throws.mjs', /cannot be loaded: the handler module failed to initialise/],
  ] as const;
  /** The outcome of `runq worker --handlers PATH` by PATH; the processes run side by side. */
  const outcomes = new Map<string, Promise<{ exit: ProcessExit; stdout: string[]; stderr: string[] }>>();
  const refuse = (handlers: string) => {
    let outcome = outcomes.get(handlers);
    if (!outcome) {
      // The module is refused before anything connects: the database named here need not exist.
      const worker = processes.run(['worker', '--handlers', handlers], { DATABASE_URL: 'postgres://127.0.0.1:1/none', RUNQ_QUEUE_PREFIX: 'malformed' });
      outcome = worker.exited.then((exit) => ({ exit, stdout: worker.stdout, stderr: worker.stderr }));
      outcomes.set(handlers, outcome);
    }
    return outcome;
  };
  const syntaxError = () => join(scratch.path, 'syntax-error.mjs');

  beforeAll(async () => {
    scratch = await ReportDir.create();
    await writeFile(syntaxError(), 'export default {\n  task: { echo: () => ({ output: 1 }) ,,, }\n};\n');
    // Each process must stop on its own; they start together and each test awaits its own.
    for (const [, file] of MALFORMED) void refuse(fixturePath(file));
    void refuse(syntaxError());
    void refuse(fixturePath('no-such-handlers.mjs'));
  });
  afterAll(async () => {
    await processes.killAll();
    await scratch?.remove();
  });

  it.each(MALFORMED)('when the module has %s, then the worker refuses it with one clear line and a non-zero exit', async (_what, file, message) => {
    const { exit, stdout, stderr } = await refuse(fixturePath(file));
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(message);
    expect(stderr[0]).toContain(file);
    expect(stdout).toEqual([]);
  });

  it('when the module has a syntax error, then the worker refuses it with one clear line and a non-zero exit', async () => {
    const { exit, stdout, stderr } = await refuse(syntaxError());
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain('syntax-error.mjs');
    expect(stdout).toEqual([]);
  });

  it('when the module file does not exist, then the worker refuses it with one clear line and a non-zero exit', async () => {
    const { exit, stderr } = await refuse(fixturePath('no-such-handlers.mjs'));
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain('no-such-handlers.mjs');
  });
});
