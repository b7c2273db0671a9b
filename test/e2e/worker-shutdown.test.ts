import { sql } from 'kysely';
import { FIXTURE_HANDLERS, useE2eContext } from '../support/e2e-context.js';
import { statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { EXIT_SLACK_MS, saysShuttingDown, signalAndWait } from '../support/shutdown-outcome.js';

describe.each(QUEUE_BACKENDS)('graceful shutdown of worker processes on %s', (backend) => {
  const e2e = useE2eContext(backend);

  it('when a worker gets SIGTERM as soon as it says it started, then it shuts down cleanly instead of dying', async () => {
    const worker = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    worker.signal('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.stdout.some((line) => line.includes('received SIGTERM; shutting down'))).toBe(true);
  });

  it('when a worker gets SIGTERM mid-attempt, then it lets the handler finish within the grace period and exits cleanly', async () => {
    const worker = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS, { env: { RUNQ_WORKER_SHUTDOWN_GRACE_MS: '10000' } });
    const report = e2e.reports.file('term');
    const created = await e2e.client.task('work', { config: { report, ms: 1_500 } });
    await e2e.reports.waitFor(report, (record) => record.event === 'started');
    worker.signal('SIGTERM');
    const exit = await worker.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // The run was settled before the process exited.
    const run = await e2e.client.get(created.run_id);
    expect(run).toMatchObject({ status: 'completed', output: { pid: worker.pid, attempt: 1 } });
    expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'completed']);
  });

  it('when a handler outlasts the shutdown grace period, then its signal fires, the worker exits and another worker takes the run over', async () => {
    const worker = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS, { env: { RUNQ_WORKER_SHUTDOWN_GRACE_MS: '300' } });
    const report = e2e.reports.file('grace');
    const created = await e2e.client.task('hold', { config: { report } });
    await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
    const termAt = Date.now();
    worker.signal('SIGTERM');
    const aborted = await e2e.reports.waitFor(report, (record) => record.event === 'aborted' && record.attempt === 1);
    expect(aborted.cause).toBe('shutdown');
    expect(aborted.at - termAt).toBeGreaterThanOrEqual(250);
    expect((await worker.exited).code).toBe(0);
    expect((await e2e.client.get(created.run_id)).status).toBe('running');
    // The abandoned claim was released on the way out, not left to run out its lease.
    const claim = await e2e.api.db
      .selectFrom('runs')
      .select((eb) => eb(eb.ref('lease_expires_at'), '<=', sql<Date>`now()`).as('lapsed'))
      .where('id', '=', created.run_id)
      .executeTakeFirstOrThrow();
    expect(claim.lapsed).toBe(true);

    // The next worker takes the abandoned attempt over; attempt 2 holds until cancelled.
    const next = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    const second = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 2, 20_000);
    expect(second.pid).toBe(next.pid);
    expect((await e2e.client.request('POST', `/runs/${created.run_id}/cancel`)).status).toBe(200);
    expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'running', 'cancelled']);
  });

  it('when a second SIGINT comes while the worker waits for a running handler, then it exits at once with 130', async () => {
    const worker = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS, { env: { RUNQ_WORKER_SHUTDOWN_GRACE_MS: '60000' } });
    const report = e2e.reports.file('second-signal');
    const created = await e2e.client.task('hold', { config: { report } });
    await e2e.reports.waitFor(report, (record) => record.event === 'started');
    worker.signal('SIGTERM');
    await worker.waitForLog((line) => saysShuttingDown(line, 'SIGTERM'));
    const exit = await signalAndWait(worker, 'SIGINT');
    expect(exit).toMatchObject({ code: 130, signal: null });
    expect(exit.elapsedMs).toBeLessThan(EXIT_SLACK_MS);
    expect(worker.stdout.some((line) => line.includes('received SIGINT again; exiting now'))).toBe(true);
    expect((await e2e.client.request('POST', `/runs/${created.run_id}/cancel`)).status).toBe(200);
  });
});
