import { useE2eContext } from '../support/e2e-context.js';
import { statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS } from '../support/harness.js';

describe.each(QUEUE_BACKENDS)('worker recovery with real processes on %s', (backend) => {
  const e2e = useE2eContext(backend);

  it('when a worker is killed mid-attempt, then another worker process takes the run over as a new attempt and completes it', async () => {
    const workers = await e2e.startWorkers(2);
    const report = e2e.reports.file('kill');
    // Attempt 1 blocks for good (its release file is never created); attempt 2 returns at once.
    const created = await e2e.client.task('gated', { config: { report, release: { 1: e2e.reports.file('never') } } });
    const first = await e2e.reports.waitFor(report, (record) => record.event === 'started' && record.attempt === 1);
    const victim = workers.get(first.pid)!;
    victim.signal('SIGKILL');
    await victim.exited;

    const run = await e2e.client.waitForStatus(created.run_id, 'completed', 20_000);
    const survivor = [...workers.keys()].find((pid) => pid !== first.pid);
    expect(run.output).toEqual({ pid: survivor, attempt: 2 });
    const events = await e2e.client.validEvents(created.run_id);
    expect(statusPath(events)).toEqual(['pending', 'running', 'running', 'completed']);
    expect(events[1]?.data).toMatchObject({ worker: expect.stringContaining(`:${first.pid}`) });
    expect(events[2]).toMatchObject({ from_status: 'running', to_status: 'running', attempt: 2, data: { worker: expect.stringContaining(`:${survivor}`) } });
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
