import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import { listExpiredWaits, listReconcileCandidates, redispatchRun, transitionRun, toJson, type Db, type ReconcileCandidate } from '@runq/db';
import type { RunAdmission } from '@runq/engine';
import { routeOf, type RunQueues } from '@runq/queue';
import type { Leadership } from './leader-election.js';
import { PeriodicTask } from './periodic-task.js';
import type { RunRetention } from './run-retention.js';

/** Runs examined per kind of repair and tick. */
const BATCH = 200;

/** Queue states in which a dispatch will still reach a worker. */
const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);

/** Options of {@link Reconciler}. */
export interface ReconcilerOptions {
  db: Db;
  queues: RunQueues;
  log: Logger;
  intervalMs: number;
  /** A pending run younger than this is left alone (its dispatch may still be under way). */
  pendingGraceMs: number;
  /** Passes run only while this process leads (`LeaderElection`). */
  leadership: Leadership;
  metrics?: RunqMetrics | undefined;
  /** Flow control: repairs releases that were lost. */
  admission: RunAdmission;
  /** Deletion of expired finished runs, done by the active reconciler only; unset: runs are kept. */
  retention?: RunRetention | undefined;
}

/** What one pass repaired. */
export interface ReconcileReport {
  redispatched: number;
  expired: number;
  /** Held runs admitted because a release of their bucket was lost. */
  released: number;
}

/**
 * Keeps the queue consistent with Postgres, the source of truth. One reconciler is active
 * across all worker processes: the one whose process leads (`LeaderElection`). Each pass:
 * - re-dispatches pending runs whose queue job is missing or already finished (a crash
 *   between commit and enqueue, a lost Redis, a restore);
 * - re-dispatches running runs whose lease expired and whose job is no longer live (their
 *   worker died and the queue gave up on the job): the next worker takes over as a new attempt;
 * - fails waiting runs whose wait deadline passed;
 * - admits held runs whose bucket has room (a release that was lost);
 * - when retention is configured, deletes finished runs past it (at most once per its interval).
 * Runs of workers that died are taken over sooner, by the `DeadWorkerDetector`.
 */
export class Reconciler {
  private readonly loop: PeriodicTask;

  constructor(private readonly options: ReconcilerOptions) {
    this.loop = new PeriodicTask(
      () => this.tick(),
      options.intervalMs,
      () => undefined,
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private async tick(): Promise<void> {
    if (!this.options.leadership.isLeader) return;
    try {
      const report = await this.reconcileOnce();
      if (report.redispatched + report.expired + report.released > 0) this.options.log.info(report, 'reconciler repaired runs');
    } catch (err) {
      this.options.log.warn({ err }, 'reconciler pass failed');
    }
    if (!this.options.leadership.isLeader) return;
    try {
      await this.options.retention?.maybePrune();
    } catch (err) {
      this.options.log.warn({ err }, 'retention pass failed');
    }
  }

  /** One pass over everything that may need repair. */
  async reconcileOnce(): Promise<ReconcileReport> {
    const { db } = this.options;
    let redispatched = 0;
    const candidates = await listReconcileCandidates(db, {
      pendingGraceMs: this.options.pendingGraceMs,
      leaseGraceMs: 1_000,
      limit: BATCH,
    });
    for (const run of candidates) {
      if (await this.redispatch(run)) {
        redispatched += 1;
        this.options.metrics?.reconcilerRepairs.inc({ action: run.status === 'pending' ? 'redispatch_pending' : 'redispatch_stalled' });
      }
    }
    let expired = 0;
    for (const runId of await listExpiredWaits(db, BATCH)) {
      const error = { message: 'the wait deadline passed before the run was resumed', code: 'wait_timeout' };
      const outcome = await transitionRun(db, { runId, transition: 'expire', set: { error: toJson(error) }, data: { error } });
      if (outcome.moved) {
        expired += 1;
        this.options.metrics?.reconcilerRepairs.inc({ action: 'expire_wait' });
        this.options.metrics?.observeTransition(outcome.run);
      }
    }
    const released = await this.options.admission.repairHolds(BATCH);
    if (released > 0) this.options.metrics?.reconcilerRepairs.inc({ action: 'release_held' }, released);
    return { redispatched, expired, released };
  }

  private async redispatch(run: ReconcileCandidate): Promise<boolean> {
    const { db, queues } = this.options;
    const route = routeOf(run);
    const state = await queues.jobState(route, run.job_id);
    if (state !== undefined && LIVE_JOB_STATES.has(state)) return false;
    // A pending run whose job vanished gets it back under the same id; a finished job's id is
    // taken, so that run (and every stalled running one) gets a new dispatch id.
    const jobId = state === undefined && run.status === 'pending' ? run.job_id : await redispatchRun(db, run, run.status);
    if (jobId === undefined) return false;
    await queues.enqueueRun(route, run.id, { jobId });
    return true;
  }
}
