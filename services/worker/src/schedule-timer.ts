import type { Logger } from '@runq/config';
import type { ScheduleFirer } from '@runq/engine';

/** The longest a firer sleeps: another process may have created or changed a schedule meanwhile without its notice arriving. */
const MAX_SLEEP_MS = 1_000;
/**
 * The shortest wait between passes: a steady stream of due schedules is fired in passes of
 * several, at the cost of this much lateness (docs/decisions/0013-schedules.md).
 */
const MIN_SLEEP_MS = 50;

/**
 * Runs the schedule firer: sleeps until the earliest `next_fire_at` (read on the database's
 * clock, at most a second), and wakes at once when a schedule changes (`NOTIFY`). Every worker
 * runs one; the firer's row locks keep two from firing the same occurrence. Idle, it reads
 * Postgres once a second.
 */
export class ScheduleTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wakeRequested = false;

  constructor(
    private readonly firer: ScheduleFirer,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** A schedule changed: run a pass now (or right after the one in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.wakeRequested = false;
      this.running = this.pass().then((next) => {
        this.running = undefined;
        this.schedule(this.wakeRequested ? 0 : next);
      });
    }, ms);
    this.timer.unref();
  }

  /** One pass; resolves with how long to sleep before the next. */
  private async pass(): Promise<number> {
    try {
      const { next } = await this.firer.tick();
      if (!next.at) return MAX_SLEEP_MS;
      return Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, next.at.getTime() - next.now.getTime()));
    } catch (err) {
      this.log.warn({ err }, 'firing schedules failed');
      return MAX_SLEEP_MS;
    }
  }
}
