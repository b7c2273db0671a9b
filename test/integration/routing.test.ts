import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { registerWorkerTargets, WORKER_PRESENCE_NAMESPACE } from '@runq/db';
import type { HandlerModule } from '@runq/worker';
import { QUEUE_BACKENDS, startTestWorker, type TestWorker } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { pollUntil } from '../support/poll.js';
import { sample } from '../support/prometheus.js';

/** Handlers that say which worker ran them. */
function handlersNamed(name: string): HandlerModule {
  return { task: { where: () => ({ output: name }) } };
}

describe.each(QUEUE_BACKENDS)('routing to runtime targets on %s', (backend) => {
  // The suite's own worker is started without --runtime-target: it serves main_branch.
  const suite = useLifecycleContext(backend, handlersNamed('main'), { worker: { concurrency: '4' }, queues: true });
  const extra: TestWorker[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((worker) => worker.close()));
  });

  function targeted(kind: 'environment' | 'preview_branch', id: string): Record<string, unknown> {
    return kind === 'environment'
      ? { runtime_target_kind: kind, runtime_target_environment_id: id }
      : { runtime_target_kind: kind, runtime_target_branch_id: id };
  }

  it('when a run names an environment no worker serves, then it stays pending with reason no_worker until a worker for it starts, which runs it', async () => {
    const environment = randomUUID();
    const held = await suite.client.task('where', targeted('environment', environment));
    const main = await suite.client.task('where', { runtime_target_kind: 'main_branch' });
    const untargeted = await suite.client.task('where');
    expect((await suite.client.waitForStatus(main.run_id, 'completed')).output).toBe('main');
    expect((await suite.client.waitForStatus(untargeted.run_id, 'completed')).output).toBe('main');

    const row = await suite.api.db.selectFrom('runs').select(['status', 'hold_reason']).where('id', '=', held.run_id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', hold_reason: 'no_worker' });
    expect((await suite.client.events(held.run_id))[0]?.data).toMatchObject({ held: 'no_worker', runtime_target: `environment:${environment}` });
    const metrics = await (await fetch(`${suite.api.url}/metrics`)).text();
    expect(sample(metrics, 'runq_runs_held', { kind: 'task', reason: 'no_worker' })).toBeGreaterThanOrEqual(1);

    extra.push(await startTestWorker(suite.api, handlersNamed('environment'), { runtimeTargets: [`environment:${environment}`], concurrency: '2' }));
    expect((await suite.client.waitForStatus(held.run_id, 'completed')).output).toBe('environment');
    const later = await suite.client.task('where', targeted('environment', environment));
    expect((await suite.client.waitForStatus(later.run_id, 'completed')).output).toBe('environment');
    const again = await suite.client.task('where');
    expect((await suite.client.waitForStatus(again.run_id, 'completed')).output).toBe('main');
  });

  it('when a worker serves one environment, then runs for another environment or a preview branch are held for theirs', async () => {
    const served = randomUUID();
    extra.push(await startTestWorker(suite.api, handlersNamed('served'), { runtimeTargets: [`environment:${served}`] }));
    const ran = await suite.client.task('where', targeted('environment', served));
    const other = await suite.client.task('where', targeted('environment', randomUUID()));
    const preview = await suite.client.task('where', targeted('preview_branch', served));
    expect((await suite.client.waitForStatus(ran.run_id, 'completed')).output).toBe('served');
    const rows = await suite.api.db
      .selectFrom('runs')
      .select(['id', 'status', 'hold_reason'])
      .where('id', 'in', [other.run_id, preview.run_id])
      .orderBy('id')
      .execute();
    expect(rows.map((run) => [run.status, run.hold_reason])).toEqual([
      ['pending', 'no_worker'],
      ['pending', 'no_worker'],
    ]);
    // Cancelling a held run ends its hold with it.
    expect((await suite.client.request('POST', `/runs/${other.run_id}/cancel`, {})).status).toBe(200);
    expect((await suite.client.get(other.run_id)).status).toBe('cancelled');
    await suite.client.request('POST', `/runs/${preview.run_id}/cancel`, {});
  });

  it('when a worker serving its target appears without releasing it, then the reconciler releases the held run to its queue', async () => {
    const branch = randomUUID();
    const held = await suite.client.task('where', targeted('preview_branch', branch));
    expect((await suite.client.get(held.run_id)).status).toBe('pending');
    // A process that holds a presence lock and registers the branch, as a worker does, but
    // releases nothing at its start (as when its release raced the run's creation).
    const session = new pg.Client({ connectionString: suite.api.database.url });
    await session.connect();
    try {
      const presenceId = 2_000_000_000 + Math.floor(Math.random() * 100_000_000);
      await session.query('select pg_advisory_lock($1::integer, $2::integer)', [WORKER_PRESENCE_NAMESPACE, presenceId]);
      await registerWorkerTargets(suite.api.db, presenceId, [{ kind: 'task', target: `preview_branch:${branch}` }]);
      const released = await pollUntil(
        async () => (await suite.api.db.selectFrom('runs').select('hold_reason').where('id', '=', held.run_id).executeTakeFirstOrThrow()).hold_reason,
        (reason) => reason === null,
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      expect(released).toEqual({ value: null, done: true });
      // The run is enqueued once its release has committed.
      const queued = await pollUntil(
        () => suite.queues.jobState({ kind: 'task', target: `preview_branch:${branch}` }, held.run_id),
        (state) => state !== undefined,
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      expect(queued.value).toBe('waiting');
    } finally {
      await session.end();
    }
    extra.push(await startTestWorker(suite.api, handlersNamed('branch'), { runtimeTargets: [`preview_branch:${branch}`] }));
    expect((await suite.client.waitForStatus(held.run_id, 'completed')).output).toBe('branch');
  });
});
