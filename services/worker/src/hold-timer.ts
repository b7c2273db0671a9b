import type { Logger } from '@runq/config';
import type { RunAdmission } from '@runq/engine';

/** The longest a pass waits for the next one: the time a process notices a run held elsewhere. */
const MAX_SLEEP_MS = 1_000;
/** The shortest wait between passes, so a stream of due runs does not spin. */
const MIN_SLEEP_MS = 25;
/** How often expired runs are looked for: once a second, like the rest of a worker's upkeep. */
const EXPIRY_INTERVAL_MS = 1_000;

/**
 * Admits runs held for a rate once their window reopens, and cancels pending runs past their
 * time to live (`expire`, at most once per `EXPIRY_INTERVAL_MS`). It sleeps until the earliest held run
 * is due (at most a second, since another process may hold runs meanwhile); every worker runs
 * one, and admission's bucket locks keep two of them from admitting the same start twice.
 */
export class HoldTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastExpiry = 0;

  constructor(
    private readonly admission: RunAdmission,
    private readonly log: Logger,
    private readonly expire?: () => Promise<unknown>,
  ) {}

  start(): void {
    this.schedule(MIN_SLEEP_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().then((next) => {
        this.running = undefined;
        this.schedule(next);
      });
    }, ms);
    this.timer.unref();
  }

  /** One pass; resolves with how long to sleep before the next. */
  private async pass(): Promise<number> {
    if (this.expire && Date.now() - this.lastExpiry >= EXPIRY_INTERVAL_MS) {
      this.lastExpiry = Date.now();
      await this.expire().catch((err: unknown) => this.log.warn({ err }, 'expiring runs past their time to live failed'));
    }
    try {
      const { nextDueAt } = await this.admission.admitDueRateHolds();
      if (!nextDueAt) return MAX_SLEEP_MS;
      return Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, nextDueAt.getTime() - Date.now()));
    } catch (err) {
      this.log.warn({ err }, 'admitting rate-held runs failed');
      return MAX_SLEEP_MS;
    }
  }
}
