import { Queue } from 'bullmq';
import { parseRedisUrl } from '@runq/config';
import { waitFor } from '@runq/local/testing';
import { RUN_JOB_NAME, openRedis, runJobOptions, whenRedisReady } from '@runq/queue';
import { FIXTURE_HANDLERS, useE2eContext } from '../support/e2e-context.js';
import { statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { jobIdOf } from '../support/test-queues.js';

describe.each(QUEUE_BACKENDS)('queue repair by the reconciler with real processes on %s', (backend) => {
  const e2e = useE2eContext(backend);

  it("when a run's queue job is lost before any worker saw it, then the reconciler dispatches it again and it completes", async () => {
    const created = await e2e.client.task('echo');
    expect(await e2e.queues.removeRun('task', created.run_id)).toBe(true);
    expect(await e2e.queues.jobState('task', created.run_id)).toBeUndefined();
    const worker = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    const run = await e2e.client.waitForStatus(created.run_id, 'completed');
    expect(run.output).toMatchObject({ pid: worker.pid, attempt: 1 });
    expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'completed']);
  });

  it('when the whole queue is obliterated, then the reconciler dispatches every pending run again', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => e2e.client.task('echo')));
    await e2e.queues.queue('task').obliterate({ force: true });
    for (const run of runs) expect(await e2e.queues.jobState('task', run.run_id)).toBeUndefined();
    await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    for (const run of runs) {
      await e2e.client.waitForStatus(run.run_id, 'completed');
      expect(statusPath(await e2e.client.validEvents(run.run_id))).toEqual(['pending', 'running', 'completed']);
    }
  });

  it('when a worker died and its job was lost too, then the reconciler re-dispatches the stalled run and another worker completes it', async () => {
    const first = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    const report = e2e.reports.file('lost-running');
    const created = await e2e.client.task('gated', { config: { report, release: { 1: e2e.reports.file('never') } } });
    await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
    first.signal('SIGKILL');
    await first.exited;
    // The job is lost too (as with a Redis that lost its data): it can go once its lock lapsed.
    const jobId = await jobIdOf(e2e.api, created.run_id);
    await waitFor("the dead worker's job to be removable", () => e2e.queues.removeRun('task', jobId), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await e2e.queues.jobState('task', jobId)).toBeUndefined();

    const second = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
    const run = await e2e.client.waitForStatus(created.run_id, 'completed', 20_000);
    expect(run.output).toEqual({ pid: second.pid, attempt: 2 });
    expect(await jobIdOf(e2e.api, created.run_id)).not.toBe(jobId);
    expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'running', 'completed']);
  });
});

describe('upgrading to one hash tag per queue on a Redis Cluster', () => {
  const e2e = useE2eContext('redis-cluster');

  it('when a run was queued under the single {prefix} tag of earlier versions, then the reconciler dispatches it on its own queue and it completes', async () => {
    const created = await e2e.client.task('echo');
    // Where earlier versions kept it: every queue of the prefix under the one tag {prefix}.
    expect(await e2e.queues.removeRun('task', created.run_id)).toBe(true);
    const connection = openRedis(parseRedisUrl(e2e.api.config.redisUrl!), 'producer');
    const old = new Queue('task', { connection, prefix: `{${e2e.api.config.queuePrefix}}` });
    try {
      await whenRedisReady(connection, 10_000);
      await old.add(RUN_JOB_NAME, { runId: created.run_id }, runJobOptions('redis', created.run_id));
      expect(await e2e.queues.jobState('task', created.run_id)).toBeUndefined();
      const worker = await e2e.processes.startWorker(e2e.api, FIXTURE_HANDLERS);
      const run = await e2e.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toMatchObject({ pid: worker.pid, attempt: 1 });
      expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'completed']);
      // No worker reads the old layout: its job is left where it was, for the operator to delete.
      expect(await (await old.getJob(created.run_id))?.getState()).toBe('waiting');
    } finally {
      await old.close();
      connection.disconnect();
    }
  });
});
