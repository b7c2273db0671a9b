import { randomInt, randomUUID } from 'node:crypto';
import {
  claimRuns,
  findRun,
  insertRuns,
  listOrphanedRuns,
  openSessionConnection,
  recoverOrphanedRuns,
  transitionRun,
  tryAdvisoryLock,
  WORKER_PRESENCE_NAMESPACE,
  type OrphanedRun,
  type SessionConnection,
} from '@runq/db';
import { newRunId } from '@runq/runs';
import { useOwnDatabase } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';
import { taskRunRow } from '../support/run-rows.js';

const PROJECT = randomUUID();

describe('worker presence statements', () => {
  const database = useOwnDatabase();
  const sessions: SessionConnection[] = [];
  afterEach(() => {
    for (const session of sessions.splice(0)) session.close();
  });

  /** A session holding the presence lock of a fresh holder id. */
  async function present(): Promise<{ holder: number; session: SessionConnection }> {
    const session = await openSessionConnection(database.url, { applicationName: 'runq-test-presence' });
    sessions.push(session);
    const holder = randomInt(1, 2 ** 31 - 1);
    expect(await tryAdvisoryLock(session.db, [WORKER_PRESENCE_NAMESPACE, holder])).toBe(true);
    return { holder, session };
  }

  /** A run claimed (batched claim) by `holder`. */
  async function claimedBy(holder: number): Promise<{ id: string; jobId: string; leaseToken: string }> {
    const run = taskRunRow(newRunId(), PROJECT, new Date());
    await insertRuns(database.db, [{ run }]);
    const leaseToken = randomUUID();
    const [claimed] = await claimRuns(database.db, [{ runId: run.id, jobId: run.job_id, leaseToken, leaseHolder: holder }], 30_000);
    expect(claimed?.run.lease_holder).toBe(holder);
    return { id: run.id, jobId: run.job_id, leaseToken };
  }

  const orphanIds = async () => (await listOrphanedRuns(database.db, 1_000)).map((run) => run.id);

  it("when a run's holder holds its presence lock, then the run is not orphaned; once the holder's session ends, it is", async () => {
    const { holder, session } = await present();
    const run = await claimedBy(holder);
    expect(await orphanIds()).not.toContain(run.id);

    session.close();
    const { value, done } = await pollUntil(
      () => listOrphanedRuns(database.db, 1_000),
      (orphans) => orphans.some((orphan) => orphan.id === run.id),
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(done).toBe(true);
    expect(value.find((orphan) => orphan.id === run.id)).toEqual({
      id: run.id,
      kind: 'task',
      job_id: run.jobId,
      lease_token: run.leaseToken,
      lease_holder: holder,
    });
  });

  it('when orphaned runs are taken over, then only those still under the claim, dispatch and holder seen, with the holder still absent, lose their lease and get a new dispatch', async () => {
    const gone = randomInt(1, 2 ** 31 - 1);
    const back = randomInt(1, 2 ** 31 - 1);
    const [taken, reclaimedMeanwhile, holderBack] = [await claimedBy(gone), await claimedBy(gone), await claimedBy(back)];
    const seen = (await listOrphanedRuns(database.db, 1_000)).filter((orphan) => [taken.id, reclaimedMeanwhile.id, holderBack.id].includes(orphan.id));
    expect(seen).toHaveLength(3);
    // Meanwhile: another worker took one run over (a new claim), and one holder took its lock again.
    await transitionRun(database.db, {
      runId: reclaimedMeanwhile.id,
      transition: 'reclaim',
      claim: { leaseToken: randomUUID(), leaseMs: 30_000, leaseHolder: gone },
    });
    const session = await openSessionConnection(database.url, { applicationName: 'runq-test-presence' });
    sessions.push(session);
    expect(await tryAdvisoryLock(session.db, [WORKER_PRESENCE_NAMESPACE, back])).toBe(true);

    const newJobIds = seen.map((orphan: OrphanedRun) => `${orphan.id}.new`);
    const recovered = await recoverOrphanedRuns(database.db, seen, newJobIds);
    expect(recovered).toEqual([
      { id: taken.id, kind: 'task', job_id: `${taken.id}.new`, runtime_target_kind: null, runtime_target_environment_id: null, runtime_target_branch_id: null },
    ]);
    const row = await findRun(database.db, taken.id);
    expect(row).toMatchObject({ status: 'running', lease_token: taken.leaseToken, lease_holder: null, job_id: `${taken.id}.new`, attempt: 1 });
    expect(row!.lease_expires_at!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(await findRun(database.db, reclaimedMeanwhile.id)).toMatchObject({ job_id: reclaimedMeanwhile.jobId, lease_holder: gone, attempt: 2 });
    expect(await findRun(database.db, holderBack.id)).toMatchObject({ job_id: holderBack.jobId, lease_holder: back, lease_token: holderBack.leaseToken });
    // A run taken over is no longer orphaned (its holder is cleared), and the next worker reclaims it at once.
    expect(await orphanIds()).not.toContain(taken.id);
    const next = await transitionRun(database.db, {
      runId: taken.id,
      transition: 'reclaim',
      leaseExpired: true,
      claim: { leaseToken: randomUUID(), leaseMs: 30_000, leaseHolder: 7 },
    });
    expect(next.moved && next.run).toMatchObject({ status: 'running', attempt: 2, lease_holder: 7 });
  });

  it('when a claimed run leaves running, then its holder is cleared with its lease', async () => {
    const run = await claimedBy(randomInt(1, 2 ** 31 - 1));
    const settled = await transitionRun(database.db, { runId: run.id, transition: 'wait', leaseToken: run.leaseToken, set: { waiting_reason: 'event' } });
    expect(settled.moved && settled.run).toMatchObject({ status: 'waiting', lease_token: null, lease_expires_at: null, lease_holder: null });
  });
});
