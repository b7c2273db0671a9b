import { applySessionSettings, openSessionConnection, touchSession, tryAdvisoryLock, type AdvisoryLockKey, type SessionConnection } from '@runq/db';

/**
 * How soon Postgres ends the session of a peer that vanished without closing it (a lost machine,
 * a cut network): keepalive probes after 2 s of silence, 1 s apart, 3 unanswered ones end it; and
 * data it sent that stays unacknowledged for 5 s ends it too (keepalives wait while any is
 * outstanding). A process that dies on a machine that lives closes its sockets itself, at once.
 * A paused process keeps its session: its kernel answers the probes.
 */
const SESSION_KEEPALIVES: Readonly<Record<string, string>> = {
  tcp_keepalives_idle: '2',
  tcp_keepalives_interval: '1',
  tcp_keepalives_count: '3',
  tcp_user_timeout: '5000',
};

/** The client's side of the same: the socket probes a silent server after 1 s. */
const CLIENT_KEEPALIVE_IDLE_MS = 1_000;

/** Options of {@link SessionLock}. */
export interface SessionLockOptions {
  databaseUrl: string;
  /** Name of the session in `pg_stat_activity`. */
  applicationName: string;
  /** While the lock is held, the session is touched this often. */
  heartbeatMs: number;
  /** A touch that has not answered after this long counts as a lost session. */
  heartbeatTimeoutMs: number;
  /**
   * When set, Postgres ends the session after this much silence (`idle_session_timeout`, from
   * PostgreSQL 14): a holder whose process stops (SIGSTOP, a frozen VM) loses the lock. Must
   * exceed `heartbeatMs` with room to spare.
   */
  idleTimeoutMs?: number | undefined;
  /** Called once each time a held lock is lost (its session failed, ended or stopped answering); not after {@link SessionLock.close}. */
  onLost(error: Error): void;
}

/**
 * Holds one advisory lock on a dedicated Postgres session, the mechanics shared by the
 * reconciler's leader election and each worker's presence lock. A session-level lock lives
 * exactly as long as its session: the holder keeps the session (a heartbeat proves it answers),
 * and when the session is lost (the holder died, the server restarted, the network failed, the
 * heartbeat went unanswered) the lock is gone, the session is dropped and `onLost` says so. Taking
 * the lock again is the caller's decision (a new {@link tryAcquire}, on a new session).
 */
export class SessionLock {
  private session: SessionConnection | undefined;
  private heldKey: AdvisoryLockKey | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private lastHolderPid: number | undefined;

  constructor(private readonly options: SessionLockOptions) {}

  /** True while this process holds the lock. */
  get held(): boolean {
    return this.heldKey !== undefined;
  }

  /**
   * The server process id of the last session on which this process held the lock: after a loss,
   * the lock may still show as held by it until the server has ended it.
   */
  get lastBackendPid(): number | undefined {
    return this.lastHolderPid;
  }

  /**
   * Takes `key` unless another session holds it, opening a session first when there is none
   * (an unheld session is kept for the next try). True when this process holds it now. Throws
   * when Postgres cannot be reached. One call at a time.
   */
  async tryAcquire(key: AdvisoryLockKey): Promise<boolean> {
    if (this.closed) return false;
    if (this.heldKey !== undefined) return true;
    const session = this.session ?? (await this.open());
    let locked: boolean;
    try {
      locked = await tryAdvisoryLock(session.db, key);
    } catch (error) {
      this.drop(session, error);
      throw error;
    }
    if (!locked) return false;
    if (this.session !== session) {
      // Closed or lost while the lock was being taken: it went with the session.
      return false;
    }
    this.heldKey = key;
    this.lastHolderPid = session.backendPid;
    this.heartbeat = setInterval(() => this.touch(session), this.options.heartbeatMs);
    this.heartbeat.unref();
    return true;
  }

  /**
   * One heartbeat: the session must answer within `heartbeatTimeoutMs`. When the timer fires, the
   * verdict waits for the event loop's next I/O phase: after the loop was blocked (a CPU-bound
   * handler), an answer that arrived meanwhile is read first instead of counting as silence.
   */
  private touch(session: SessionConnection): void {
    let answered = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (!answered) this.drop(session, new Error(`the lock session did not answer within ${this.options.heartbeatTimeoutMs} ms`));
      });
    }, this.options.heartbeatTimeoutMs);
    timer.unref();
    touchSession(session.db).then(
      () => {
        answered = true;
        clearTimeout(timer);
      },
      (error: unknown) => {
        clearTimeout(timer);
        this.drop(session, error);
      },
    );
  }

  /** Ends the session (releasing the lock) and stops for good. */
  close(): void {
    this.closed = true;
    const session = this.session;
    if (session) this.drop(session, undefined);
  }

  private async open(): Promise<SessionConnection> {
    const session = await openSessionConnection(this.options.databaseUrl, {
      applicationName: this.options.applicationName,
      keepAliveIdleMs: CLIENT_KEEPALIVE_IDLE_MS,
    });
    // Best effort, each: a server that lacks a setting (idle_session_timeout before 14,
    // tcp_user_timeout before 12) still gives a working lock; a broken session fails the lock.
    await applySessionSettings(session.db, SESSION_KEEPALIVES).catch(() => undefined);
    if (this.options.idleTimeoutMs !== undefined) {
      await applySessionSettings(session.db, { idle_session_timeout: String(Math.max(1, Math.round(this.options.idleTimeoutMs))) }).catch(() => undefined);
    }
    if (this.closed) {
      session.close();
      throw new Error('the lock was closed while its session was opening');
    }
    this.session = session;
    void session.ended.then((error) => this.drop(session, error ?? new Error('the lock session ended')));
    return session;
  }

  /** Forgets `session` (if it is still the current one), closes it and reports a lock held on it as lost. */
  private drop(session: SessionConnection, error: unknown): void {
    if (this.session !== session) return;
    this.session = undefined;
    clearInterval(this.heartbeat);
    session.close();
    const wasHeld = this.heldKey !== undefined;
    this.heldKey = undefined;
    if (wasHeld && !this.closed) this.options.onLost(error instanceof Error ? error : new Error(String(error)));
  }
}
