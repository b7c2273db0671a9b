import { randomInt } from 'node:crypto';
import type { Logger } from '@runq/config';
import { findAdvisoryLockHolder, MAX_PRESENCE_HOLDER_ID, WORKER_PRESENCE_NAMESPACE, type Db } from '@runq/db';
import { SessionLock } from './session-lock.js';

/**
 * Waits before the successive tries to take the presence lock again after losing it (then the
 * last, repeated). Never longer apart than the leader's campaigns: after a Postgres restart, the
 * lock must be back well within the dead-worker grace counted from the new leader's first look.
 */
const RETAKE_BACKOFF_MS = [0, 100, 200, 400, 500] as const;
/** Holder ids drawn at start before giving up (each collision has a chance of about 2^-31 per live worker). */
const MAX_DRAWS = 10;

/** Options of {@link WorkerPresence}. */
export interface WorkerPresenceOptions {
  databaseUrl: string;
  /** The process's pool, for looking up who holds a lock. */
  db: Db;
  log: Logger;
  /** Called when the lock is taken again under a new holder id (the old one was drawn by another process). */
  onHolderChanged?: (holderId: number) => void;
}

/**
 * This worker process's presence: a session advisory lock `(WORKER_PRESENCE_NAMESPACE, holderId)`
 * held for the process's whole life, with `holderId` recorded on every run it claims. When the
 * process dies its session ends and the lock is released, which the active reconciler notices
 * within seconds (`DeadWorkerDetector`). The session is touched every second, so that a broken
 * connection is noticed here too, and has no idle timeout: a process whose event loop is busy (a
 * CPU-bound handler) or paused keeps its lock and is fenced by its leases, as before.
 *
 * When the session is lost while the process lives (a Postgres restart, a network cut, the
 * session terminated), the lock is taken again at once, then every half second at most, under the
 * same holder id, so the reconciler sees it back before its grace runs out and takes nothing away. Only when
 * another process holds that id (drawn the same, about one chance in 2^31 per live worker) does
 * this one draw a new id; runs claimed under the old one are then protected by that process's
 * lock and wait out their leases if this one dies.
 */
export class WorkerPresence {
  private readonly lock: SessionLock;
  private holder = 0;
  private retaking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: WorkerPresenceOptions) {
    this.lock = new SessionLock({
      databaseUrl: options.databaseUrl,
      applicationName: 'runq-worker-presence',
      heartbeatMs: 1_000,
      heartbeatTimeoutMs: 5_000,
      onLost: (error) => {
        options.log.warn({ err: error, presenceId: this.holder }, 'worker presence lost; taking it again');
        this.retaking ??= this.retake().finally(() => {
          this.retaking = undefined;
        });
      },
    });
  }

  /** The holder id runs claimed now are recorded with (`runs.lease_holder`). */
  get holderId(): number {
    return this.holder;
  }

  /** True while the presence lock is held. */
  get held(): boolean {
    return this.lock.held;
  }

  /** Takes a presence lock under a fresh holder id. Throws when Postgres cannot be reached. */
  async start(): Promise<void> {
    for (let draw = 0; draw < MAX_DRAWS; draw += 1) {
      this.holder = randomInt(1, MAX_PRESENCE_HOLDER_ID);
      if (await this.lock.tryAcquire([WORKER_PRESENCE_NAMESPACE, this.holder])) return;
    }
    throw new Error(`no free worker presence id after ${MAX_DRAWS} draws`);
  }

  /** Releases the lock (its session ends) and stops taking it again. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.lock.close();
    await this.retaking;
  }

  /** Takes the lock again, under the same holder id unless another process holds it, until held or stopped. */
  private async retake(): Promise<void> {
    const before = this.holder;
    let failures = 0;
    for (let turn = 0; !this.stopped; turn += 1) {
      await sleep(RETAKE_BACKOFF_MS[Math.min(turn, RETAKE_BACKOFF_MS.length - 1)]!);
      if (this.stopped) return;
      try {
        const key = [WORKER_PRESENCE_NAMESPACE, this.holder] as const;
        if (await this.lock.tryAcquire(key)) {
          this.options.log.info({ presenceId: this.holder, turn }, 'worker presence taken again');
          if (this.holder !== before) this.options.onHolderChanged?.(this.holder);
          return;
        }
        // Held by another session: usually this process's previous one, which the server has
        // not finished ending yet (wait for it); otherwise another process drew the same id.
        const holderPid = await findAdvisoryLockHolder(this.options.db, key);
        if (holderPid !== undefined && holderPid !== this.lock.lastBackendPid) {
          const previous = this.holder;
          this.holder = randomInt(1, MAX_PRESENCE_HOLDER_ID);
          this.options.log.warn({ previousPresenceId: previous, presenceId: this.holder }, 'worker presence id held by another process; drew a new one');
        }
      } catch (error) {
        if (failures === 0) this.options.log.warn({ err: error }, 'cannot take the worker presence lock; retrying');
        failures += 1;
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
