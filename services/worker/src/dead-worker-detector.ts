import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import { listOrphanedRuns, recoverOrphanedRuns, type Db, type RecoveredRun } from '@runq/db';
import { groupByQueue, type RunQueues } from '@runq/queue';
import { newDispatchId } from '@runq/runs';
import type { Leadership } from './leader-election.js';
import { PeriodicTask } from './periodic-task.js';

/** How often the leader looks for runs of vanished workers. A look reads every running run once (its cost: docs/decisions/0011-dead-worker-detection.md). */
export const DEAD_WORKER_CHECK_INTERVAL_MS = 500;
/**
 * How long a worker's presence lock must have been seen absent (across two looks at least this
 * far apart) before its runs are taken over. A worker whose presence session broke while it lives
 * takes its lock again within half a second of Postgres answering (`WorkerPresence`); this leaves
 * it that and more. See docs/decisions/0011-dead-worker-detection.md.
 */
export const DEAD_WORKER_GRACE_MS = 2_000;
/** Runs examined per look. */
const BATCH = 500;

/** Options of {@link DeadWorkerDetector}. */
export interface DeadWorkerDetectorOptions {
  db: Db;
  queues: RunQueues;
  log: Logger;
  /** Only the leader looks; a look made in an earlier term is forgotten. */
  leadership: Leadership;
  metrics?: RunqMetrics | undefined;
  intervalMs?: number;
  graceMs?: number;
}

/**
 * Takes running runs away from worker processes that are gone, within seconds rather than after
 * their leases. A worker holds a presence lock for its whole life and records its id on each run
 * it claims (`WorkerPresence`); Postgres releases the lock when the worker's session ends. Each
 * look (leader only, twice a second) lists the running runs whose holder's lock is absent and
 * remembers since when each holder has been seen absent; once that is `graceMs` or more, its runs
 * are taken over in one guarded update (the lease lapses now, the holder is cleared, a new
 * dispatch id: still only while each run has the claim and dispatch seen and the holder is still
 * absent) and their new jobs are enqueued. The next worker to get a job reclaims the run
 * (`running -> running`, a new attempt). The dead worker's own job is superseded: when the
 * queue's stalled check hands it out again, the executor discards it.
 *
 * A paused worker keeps its session and its lock: it is not detected here, its leases fence it.
 */
export class DeadWorkerDetector {
  private readonly absentSince = new Map<number, number>();
  private observedTerm = -1;
  private readonly loop: PeriodicTask;
  private readonly graceMs: number;
  private failing = false;

  constructor(private readonly options: DeadWorkerDetectorOptions) {
    this.graceMs = options.graceMs ?? DEAD_WORKER_GRACE_MS;
    this.loop = new PeriodicTask(
      () => this.tick(),
      options.intervalMs ?? DEAD_WORKER_CHECK_INTERVAL_MS,
      (err) => {
        // Once per streak: during a Postgres outage this fails twice a second.
        if (!this.failing) options.log.warn({ err }, 'dead worker check failed');
        this.failing = true;
      },
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private async tick(): Promise<void> {
    if (!this.options.leadership.isLeader) {
      this.absentSince.clear();
      return;
    }
    await this.checkOnce();
    this.failing = false;
  }

  /**
   * One look: notes which holders are absent and takes over the runs of those absent for the
   * grace or longer. Returns the runs taken over.
   */
  async checkOnce(): Promise<RecoveredRun[]> {
    const { db, leadership } = this.options;
    if (leadership.term !== this.observedTerm) {
      // Absences seen in an earlier term may have ended since (Postgres restarted meanwhile).
      this.absentSince.clear();
      this.observedTerm = leadership.term;
    }
    const orphans = await listOrphanedRuns(db, BATCH);
    const now = performance.now();
    const absent = new Set(orphans.map((run) => run.lease_holder));
    for (const holder of this.absentSince.keys()) if (!absent.has(holder)) this.absentSince.delete(holder);
    for (const holder of absent) if (!this.absentSince.has(holder)) this.absentSince.set(holder, now);
    const due = orphans.filter((run) => now - (this.absentSince.get(run.lease_holder) ?? now) >= this.graceMs);
    if (due.length === 0) return [];
    const recovered = await recoverOrphanedRuns(
      db,
      due,
      due.map((run) => newDispatchId(run.id)),
    );
    if (recovered.length === 0) return [];
    this.options.metrics?.reconcilerRepairs.inc({ action: 'recover_dead_worker' }, recovered.length);
    const holders = [...new Set(due.map((run) => run.lease_holder))];
    this.options.log.info({ runs: recovered.length, presenceIds: holders }, 'took over the runs of vanished workers');
    await this.enqueue(recovered);
    return recovered;
  }

  /** Enqueues the new dispatches, one add per queue; a failure is left to the reconciler (the runs look stalled to it). */
  private async enqueue(runs: readonly RecoveredRun[]): Promise<void> {
    await Promise.all(
      groupByQueue(runs).map(({ route, runs: ofQueue }) =>
        this.options.queues
          .enqueueRuns(
            route,
            ofQueue.map((run) => ({ runId: run.id, jobId: run.job_id })),
          )
          .catch((err: unknown) =>
            this.options.log.warn({ err, kind: route.kind, target: route.target }, 'enqueueing runs taken over failed; the reconciler will dispatch them'),
          ),
      ),
    );
  }
}
