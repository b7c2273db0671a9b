import pg from 'pg';
import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import { listExpiredWaits, listReconcileCandidates, redispatchRun, transitionRun, toJson, type Db, type ReconcileCandidate } from '@runq/db';
import type { RunAdmission } from '@runq/engine';
import type { RunQueues } from '@runq/queue';
import type { RunRetention } from './run-retention.js';

/** Advisory lock key held by the one active reconciler ("runqreco" in ASCII, truncated to 63 bits). */
const LEADER_LOCK_KEY = 8247345523613183599n;
/** Runs examined per kind of repair and tick. */
const BATCH = 200;

/** Queue states in which a dispatch will still reach a worker. */
const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);

/** Options of {@link Reconciler}. */
export interface ReconcilerOptions {
  databaseUrl: string;
  db: Db;
  queues: RunQueues;
  log: Logger;
  intervalMs: number;
  /** A pending run younger than this is left alone (its dispatch may still be under way). */
  pendingGraceMs: number;
  /**
   * A leader that stays silent this long (paused, partitioned) loses leadership: Postgres ends
   * its lock session (`idle_session_timeout`) and another process takes over. Must exceed the
   * interval, since the leader proves it is alive once per tick.
   */
  leaderTimeoutMs: number;
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
 * across all worker processes (a session advisory lock; when its holder dies, the lock is
 * released and another process takes over on its next tick). Each pass:
 * - re-dispatches pending runs whose queue job is missing or already finished (a crash
 *   between commit and enqueue, a lost Redis, a restore);
 * - re-dispatches running runs whose lease expired and whose job is no longer live (their
 *   worker died and the queue gave up on the job): the next worker takes over as a new attempt;
 * - fails waiting runs whose wait deadline passed;
 * - admits held runs whose bucket has room (a release that was lost);
 * - when retention is configured, deletes finished runs past it (at most once per its interval).
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private leader: pg.Client | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    const tick = () => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    const leader = this.leader;
    this.leader = undefined;
    clearInterval(this.heartbeat);
    await leader?.end().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      if (!(await this.lead())) return;
      const report = await this.reconcileOnce();
      if (report.redispatched + report.expired + report.released > 0) this.options.log.info(report, 'reconciler repaired runs');
    } catch (err) {
      this.options.log.warn({ err }, 'reconciler pass failed');
    }
    if (!this.leader || this.stopped) return;
    try {
      await this.options.retention?.maybePrune();
    } catch (err) {
      this.options.log.warn({ err }, 'retention pass failed');
    }
  }

  /**
   * True while this process holds the leader lock (taking it when free). The lock lives as long
   * as its session; a leader that is paused (SIGSTOP, a VM freeze) keeps its TCP connection, so
   * the session is given an idle timeout and the leader touches it from a heartbeat timer, a
   * quarter of `leaderTimeoutMs` apart. A leader whose event loop stops for `leaderTimeoutMs`
   * loses the session, the lock with it, and another process takes over; a pass it was running
   * meanwhile is harmless, every repair being guarded. The heartbeat runs beside the passes, not
   * between them: a pass slower than the timeout (a big backlog, a loaded database) must not
   * cost a healthy leader its lock. With the passes as the only touch, the scale-out suite saw
   * leadership move between live workers on a loaded 2-core machine (2 s timeout).
   */
  private async lead(): Promise<boolean> {
    const current = this.leader;
    if (current) {
      try {
        await current.query('select 1');
        return true;
      } catch (error) {
        this.resign(current, error);
      }
    }
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'runq-reconciler' });
    client.on('error', (error) => this.resign(client, error));
    await client.connect();
    try {
      const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LEADER_LOCK_KEY.toString()]);
      if (!result.rows[0]?.locked) {
        await client.end();
        return false;
      }
      // idle_session_timeout exists from PostgreSQL 14; on older servers a paused leader keeps the lock.
      await client.query(`set idle_session_timeout = ${Math.max(1, Math.round(this.options.leaderTimeoutMs))}`).catch(() => undefined);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return false;
    }
    this.leader = client;
    const every = Math.max(50, Math.floor(this.options.leaderTimeoutMs / 4));
    this.heartbeat = setInterval(() => {
      client.query('select 1').catch((error: unknown) => this.resign(client, error));
    }, every);
    this.heartbeat.unref();
    this.options.log.info('this process is now the reconciler');
    return true;
  }

  /** Gives up leadership held through `client` (its session failed or ended); a no-op when another session leads. */
  private resign(client: pg.Client, error: unknown): void {
    void client.end().catch(() => undefined);
    if (this.leader !== client) return;
    this.leader = undefined;
    clearInterval(this.heartbeat);
    if (!this.stopped) this.options.log.warn({ err: error }, 'this process is no longer the reconciler');
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
    const state = await queues.jobState(run.kind, run.job_id);
    if (state !== undefined && LIVE_JOB_STATES.has(state)) return false;
    // A pending run whose job vanished gets it back under the same id; a finished job's id is
    // taken, so that run (and every stalled running one) gets a new dispatch id.
    const jobId = state === undefined && run.status === 'pending' ? run.job_id : await redispatchRun(db, run, run.status);
    if (jobId === undefined) return false;
    await queues.enqueueRun(run.kind, run.id, { jobId });
    return true;
  }
}
