import type { Logger } from '@runq/config';
import type { FairShare } from '@runq/engine';

/** How often the feeder looks for held runs while some are held. */
const BUSY_INTERVAL_MS = 250;
/** How often it looks while none are: a cheap probe, once a second per worker. */
const IDLE_INTERVAL_MS = 1_000;

/**
 * Releases runs held for fair share (docs/decisions/0017-fair-share.md). When this worker
 * claims a run of a project that has runs held, that project's share is topped up at once (its
 * ready run just started); a periodic pass tops up every held share, which also repairs a top-up
 * another process did not make. Top-ups of one share are serialised by its lock in Postgres.
 */
export class FairShareFeeder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The (kind/project) shares seen with held runs in the last pass. */
  private held = new Set<string>();
  /** Shares with a top-up in flight, and whether another was asked for meanwhile. */
  private readonly topping = new Map<string, { again: boolean }>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly fairShare: FairShare,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.schedule(BUSY_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.all(this.inFlight);
  }

  /** This worker claimed a run of `kind` in `projectId`: tops that share up when it has runs held. */
  claimed(kind: string, projectId: string): void {
    const key = `${kind}/${projectId}`;
    if (this.stopped || !this.held.has(key)) return;
    const current = this.topping.get(key);
    if (current) {
      current.again = true;
      return;
    }
    const state = { again: false };
    this.topping.set(key, state);
    const work = (async () => {
      do {
        state.again = false;
        try {
          await this.fairShare.topUp(kind, projectId);
        } catch (err) {
          this.log.warn({ err, kind, projectId }, 'topping up a fair share failed; the next pass will');
          break;
        }
      } while (state.again && !this.stopped);
      this.topping.delete(key);
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
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

  /** One pass over every held share; resolves with how long to wait before the next. */
  private async pass(): Promise<number> {
    try {
      const shares = await this.fairShare.heldQueues();
      this.held = new Set(shares.map((share) => `${share.kind}/${share.projectId}`));
      for (const share of shares) {
        if (this.stopped) break;
        await this.fairShare.topUp(share.kind, share.projectId);
      }
      return shares.length > 0 ? BUSY_INTERVAL_MS : IDLE_INTERVAL_MS;
    } catch (err) {
      this.log.warn({ err }, 'releasing runs held for fair share failed');
      return IDLE_INTERVAL_MS;
    }
  }
}
