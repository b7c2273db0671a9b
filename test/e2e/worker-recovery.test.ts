import { useE2eContext, type E2eContext } from '../support/e2e-context.js';
import { statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';
import { jobIdOf } from '../support/test-queues.js';
import type { CliProcess, WorkerEnvOverrides } from '../support/worker-process.js';
import { DEFAULT_LEASE_SETTINGS, leaseHolderOf, logLines, presenceIdOf, presenceSessions, terminatePresence } from '../support/worker-presence.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The dead-worker check runs every second and waits 2 s; this covers it several times over. */
const SEVERAL_DETECTOR_GRACES_MS = 6_000;

/**
 * Starts two workers (with `env`), runs `handler` for `ms` on one of them and checks that the
 * first attempt completes the run, on the worker that started it, with nothing in between.
 */
async function expectKeptByItsWorker(
  e2e: E2eContext,
  handler: string,
  ms: number,
  env: WorkerEnvOverrides,
): Promise<{ workers: Map<number, CliProcess>; holder: CliProcess }> {
  const workers = await e2e.startWorkers(2, env);
  const report = e2e.reports.file(handler);
  const created = await e2e.client.task(handler, { config: { report, ms } });
  const first = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
  const run = await e2e.client.waitForStatus(created.run_id, 'completed', ms + 20_000);
  expect(run.output).toEqual({ pid: first.pid, attempt: 1 });
  expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'completed']);
  return { workers, holder: workers.get(first.pid)! };
}

describe.each(QUEUE_BACKENDS)('worker recovery with real processes on %s', (backend) => {
  // One API, database and queue prefix per lease setting: BullMQ runs its stalled check once per
  // interval (the lease) per queue, whichever worker runs it, so the leftovers of workers with a
  // long lease would hold back the stalled checks that the short-lease tests rely on.
  describe('with the default lease', () => {
    const e2e = useE2eContext(backend);

    it('when a worker is killed mid-attempt, then another worker process takes the run over within seconds as a new attempt and completes it', async () => {
      const workers = await e2e.startWorkers(2, DEFAULT_LEASE_SETTINGS);
      const report = e2e.reports.file('kill');
      // Attempt 1 blocks for good (its release file is never created); attempt 2 returns at once.
      const created = await e2e.client.task('gated', { config: { report, release: { 1: e2e.reports.file('never') } } });
      const first = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
      const victim = workers.get(first.pid)!;
      expect(await leaseHolderOf(e2e.api, created.run_id)).toBe(presenceIdOf(victim));
      const killedAt = Date.now();
      victim.signal('SIGKILL');
      await victim.exited;

      const run = await e2e.client.waitForStatus(created.run_id, 'completed', 20_000);
      const survivor = [...workers.keys()].find((pid) => pid !== first.pid);
      expect(run.output).toEqual({ pid: survivor, attempt: 2 });
      const events = await e2e.client.validEvents(created.run_id);
      expect(statusPath(events)).toEqual(['pending', 'running', 'running', 'completed']);
      expect(events[1]?.data).toMatchObject({ worker: expect.stringContaining(`:${first.pid}`) });
      expect(events[2]).toMatchObject({
        from_status: 'running',
        to_status: 'running',
        attempt: 2,
        data: { worker: expect.stringContaining(`:${survivor}`), reclaimed: true },
      });
      // A sanity bound only (worker-recovery-time.test.ts measures the distribution): the 30 s lease did not run out first.
      expect(Date.parse(events[2]!.at) - killedAt).toBeLessThan(15_000);
    });

    it("when a worker's presence session is ended mid-attempt, then the worker takes its presence lock again and keeps its run", async () => {
      const workers = await e2e.startWorkers(2, DEFAULT_LEASE_SETTINGS);
      const report = e2e.reports.file('presence');
      const release = e2e.reports.file('release-presence');
      const created = await e2e.client.task('gated', { config: { report, release: { 1: release } } });
      const first = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
      const holder = workers.get(first.pid)!;
      const presenceId = presenceIdOf(holder);
      expect(await leaseHolderOf(e2e.api, created.run_id)).toBe(presenceId);

      // Twice, as a Postgres restart or a network cut would end it: each time the worker takes the
      // same lock again before the dead-worker check's grace runs out.
      const retaken = () => logLines(holder).filter((line) => line?.msg === 'worker presence taken again' && line.presenceId === presenceId).length;
      for (let blip = 1; blip <= 2; blip += 1) {
        expect(await terminatePresence(e2e.api, presenceId)).toBe(1);
        expect(
          (
            await pollUntil(
              async () => retaken(),
              (count) => count === blip,
              { timeoutMs: 5_000, intervalMs: 20 },
            )
          ).done,
        ).toBe(true);
        await sleep(1_500);
      }
      await sleep(SEVERAL_DETECTOR_GRACES_MS);
      expect(await presenceSessions(e2e.api, presenceId)).toHaveLength(1);
      expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running']);

      await e2e.reports.release(release);
      const run = await e2e.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toEqual({ pid: first.pid, attempt: 1 });
      expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'completed']);
    });

    it("when a handler keeps its worker's event loop busy for seconds, then the worker keeps its presence and its run", async () => {
      const { holder } = await expectKeptByItsWorker(e2e, 'spin', 2_000 + SEVERAL_DETECTOR_GRACES_MS, DEFAULT_LEASE_SETTINGS);
      expect(logLines(holder).filter((line) => line?.msg === 'worker presence lost; taking it again')).toEqual([]);
    });
  });

  describe('with a lease of 8 s', () => {
    const e2e = useE2eContext(backend);

    it("when a killed worker's queue job is handed out again after its lock lapsed, then it is discarded as superseded and starts no attempt", async () => {
      // A lease (and queue lock) of 8 s: the dead worker's runs are taken over in about 3 s, well
      // before the queue's stalled check (every 8 s) hands the old job out again.
      const workers = await e2e.startWorkers(2, { RUNQ_WORKER_LEASE_MS: '8000' });
      const report = e2e.reports.file('superseded');
      const created = await e2e.client.task('gated', { config: { report, release: { 1: e2e.reports.file('never') } } });
      const first = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
      const oldJob = await jobIdOf(e2e.api, created.run_id);
      workers.get(first.pid)!.signal('SIGKILL');
      await e2e.client.waitForStatus(created.run_id, 'completed', 20_000);
      expect(await jobIdOf(e2e.api, created.run_id)).not.toBe(oldJob);

      // Finished without failing: gone on the PostgreSQL backend (completed jobs are removed), kept
      // as completed on Redis, with the executor's verdict.
      const queue = e2e.queues.queue('task');
      const { done } = await pollUntil(
        () => queue.getJob(oldJob).then(async (job) => (job ? await job.getState() : 'gone')),
        (state) => state === 'gone' || state === 'completed',
        { timeoutMs: 40_000, intervalMs: 200 },
      );
      expect(done).toBe(true);
      const job = await queue.getJob(oldJob);
      if (job) expect(job.returnvalue).toEqual({ status: 'discarded', reason: 'superseded by a newer dispatch' });
      const events = await e2e.client.validEvents(created.run_id);
      expect(statusPath(events)).toEqual(['pending', 'running', 'running', 'completed']);
      expect(events.at(-1)?.attempt).toBe(2);
    }, 60_000);
  });

  describe('with leases of 2 s', () => {
    const e2e = useE2eContext(backend);

    it('when an attempt runs through many leases and dead-worker checks, then its worker keeps it to the end', async () => {
      // Leases of 2 s, renewed: the attempt outlives several of them and several checks and graces.
      const { workers } = await expectKeptByItsWorker(e2e, 'work', 3_000 + SEVERAL_DETECTOR_GRACES_MS, {});
      for (const worker of workers.values()) expect(logLines(worker).filter((line) => line?.msg === 'took over the runs of vanished workers')).toEqual([]);
    });

    it('when a paused worker outlives its lease and resumes after another took over, then its late result changes nothing', async () => {
      const workers = await e2e.startWorkers(2);
      const report = e2e.reports.file('pause');
      const releaseFirst = e2e.reports.file('release-1');
      const releaseSecond = e2e.reports.file('release-2');
      const created = await e2e.client.task('gated', { config: { report, release: { 1: releaseFirst, 2: releaseSecond } } });
      const first = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
      const paused = workers.get(first.pid)!;
      paused.signal('SIGSTOP');
      // The other worker takes over once the lease ran out: running -> running, attempt 2.
      const second = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 2, 20_000);
      expect(second.pid).not.toBe(first.pid);

      // Attempt 1 may finish now: its worker wakes up and its handler returns.
      await e2e.reports.release(releaseFirst);
      paused.signal('SIGCONT');
      await e2e.reports.waitFor(report, (record) => record.event === 'returning' && record.attempt === 1);
      // Its worker logs how its claim ended: either its late result was refused by the fence, or
      // lease renewal found the claim gone and aborted the attempt first. Both write nothing.
      await paused.waitForLog((line) => line?.attempt === 1 && (line.msg === 'claim superseded; result discarded' || line.msg === 'attempt aborted'));
      const during = await e2e.client.get(created.run_id);
      expect(during.status).toBe('running');
      expect(during.output).toBeNull();

      await e2e.reports.release(releaseSecond);
      const run = await e2e.client.waitForStatus(created.run_id, 'completed');
      expect(run.output).toEqual({ pid: second.pid, attempt: 2 });
      const events = await e2e.client.validEvents(created.run_id);
      expect(statusPath(events)).toEqual(['pending', 'running', 'running', 'completed']);
      expect(events.at(-1)?.attempt).toBe(2);
    });

    it('when the reconciling worker is paused, then another worker takes the reconciler over and expires waits', async () => {
      const workers = await e2e.startWorkers(2);
      const isLeaderLine = (line: any) => line?.msg === 'this process is now the reconciler';
      const leader = await Promise.any([...workers.values()].map((worker) => worker.waitForLog(isLeaderLine).then(() => worker)));
      const other = [...workers.values()].find((worker) => worker !== leader)!;
      const created = await e2e.client.task('wait', { config: { reason: 'event', timeout_seconds: 1 } });
      await e2e.client.waitForStatus(created.run_id, 'waiting');
      // Paused before the deadline, the leader never answers again: the other worker must notice.
      leader.signal('SIGSTOP');
      const run = await e2e.client.waitForStatus(created.run_id, 'failed', 20_000);
      expect(run.error).toMatchObject({ code: 'wait_timeout' });
      expect(other.stdout.some((line) => line.includes('this process is now the reconciler'))).toBe(true);
      expect(statusPath(await e2e.client.validEvents(created.run_id))).toEqual(['pending', 'running', 'waiting', 'failed']);
    });
  });
});
