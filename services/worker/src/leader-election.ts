import type { Logger } from '@runq/config';
import { PeriodicTask } from './periodic-task.js';
import { SessionLock } from './session-lock.js';

/** Advisory lock key held by the one active reconciler ("runqreco" in ASCII, truncated to 63 bits). */
const LEADER_LOCK_KEY = 8247345523613183599n;

/** Options of {@link LeaderElection}. */
export interface LeaderElectionOptions {
  databaseUrl: string;
  log: Logger;
  /**
   * A leader that stays silent this long (paused, partitioned) loses leadership: Postgres ends
   * its lock session (`idle_session_timeout`) and another process takes over. The leader proves it
   * is alive four times per period, from a heartbeat beside whatever work it does.
   */
  leaderTimeoutMs: number;
  /** How often a process that does not lead tries to take the lock. */
  campaignIntervalMs: number;
}

/** What work that only the leader may do reads: whether this process leads, and since when. */
export interface Leadership {
  /** True while this process holds the leader lock. */
  readonly isLeader: boolean;
  /** Counts the terms this process has led: observations made in an earlier term are stale. */
  readonly term: number;
}

/**
 * Elects one process among all workers to do what must be done once (the reconciler's passes,
 * the dead-worker detector, retention): the holder of a session advisory lock. Every process
 * campaigns every `campaignIntervalMs` on a session it keeps; when the leader's process dies, its
 * session ends, Postgres releases the lock and the next campaign takes it. A leader that is paused
 * keeps its TCP connection, so its session has an idle timeout; the heartbeat runs beside the
 * leader's work, not between passes: a pass slower than the timeout (a big backlog, a loaded
 * database) must not cost a healthy leader its lock (with the passes as the only touch, leadership
 * moved between live workers on a loaded 2-core machine with a 2 s timeout). Work done by a
 * deposed leader that has not noticed yet is harmless: every repair is a guarded update.
 *
 * Logs `this process is now the reconciler` on taking the lock and `this process is no longer the
 * reconciler` on losing it.
 */
export class LeaderElection implements Leadership {
  private readonly lock: SessionLock;
  private readonly campaigns: PeriodicTask;
  private failing = false;
  private terms = 0;
  private campaigning: Promise<boolean> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.lock = new SessionLock({
      databaseUrl: options.databaseUrl,
      applicationName: 'runq-reconciler',
      heartbeatMs: Math.max(50, Math.floor(options.leaderTimeoutMs / 4)),
      heartbeatTimeoutMs: options.leaderTimeoutMs,
      idleTimeoutMs: options.leaderTimeoutMs,
      onLost: (error) => options.log.warn({ err: error }, 'this process is no longer the reconciler'),
    });
    this.campaigns = new PeriodicTask(
      () => this.campaign(),
      options.campaignIntervalMs,
      () => undefined,
    );
  }

  get isLeader(): boolean {
    return this.lock.held;
  }

  get term(): number {
    return this.terms;
  }

  /** Campaigns now, then every `campaignIntervalMs`. */
  start(): void {
    void this.campaign();
    this.campaigns.start();
  }

  /**
   * Tries to take leadership unless this process leads already; true when it leads. A failure
   * (Postgres unreachable) is logged once per streak and reported as not leading.
   */
  campaign(): Promise<boolean> {
    if (this.lock.held) return Promise.resolve(true);
    // One attempt at a time: each would otherwise open a session of its own.
    this.campaigning ??= this.tryToLead().finally(() => {
      this.campaigning = undefined;
    });
    return this.campaigning;
  }

  private async tryToLead(): Promise<boolean> {
    try {
      const won = await this.lock.tryAcquire(LEADER_LOCK_KEY);
      this.failing = false;
      if (won) {
        this.terms += 1;
        this.options.log.info('this process is now the reconciler');
      }
      return won;
    } catch (error) {
      if (!this.failing) this.options.log.warn({ err: error }, 'cannot campaign for the reconciler; retrying');
      this.failing = true;
      return false;
    }
  }

  /** Stops campaigning and gives leadership up (its session ends). */
  async stop(): Promise<void> {
    await this.campaigns.stop();
    await this.campaigning;
    this.lock.close();
  }
}
