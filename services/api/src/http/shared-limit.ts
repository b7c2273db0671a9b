import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { withTimeout } from '@runq/async';

/** What a limit decided for one request. */
export type LimitVerdict =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number }
  /** The store failed or did not answer in time: the caller lets the request through. */
  | { allowed: 'unknown'; error: unknown };

/** Options of {@link SharedLimit}. */
export interface SharedLimitOptions {
  /**
   * Limits of at least this many points are counted locally between syncs while a key is far
   * from its limit (see {@link SharedLimit}); smaller ones consult the store on every request.
   */
  batchMinPoints?: number;
  /** How often locally counted points are written to the store. */
  syncIntervalMs?: number;
  /** A store call slower than this counts as a failure. */
  storeTimeoutMs?: number;
  /** Locally tracked keys; past this, keys whose window ended are dropped first, then all. */
  maxTrackedKeys?: number;
  /** Told about every failed store call (the request is let through meanwhile). */
  onStoreError?: (error: unknown) => void;
}

interface KeyState {
  /** Points the store reported for the key's window at the last sync (every instance's). */
  consumed: number;
  /** Points taken here since the last sync. */
  pending: number;
  /** When the key's window ends (epoch ms); 0 when unknown. */
  resetAt: number;
  /** Until when the key is refused without asking the store (epoch ms). */
  blockedUntil: number;
}

/** Whole seconds until `ms` from now (at least 1). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * A rate limit counted in a store shared by every API instance (rate-limiter-flexible on Redis
 * or Postgres), without a store round trip per request where that is safe.
 *
 * A key far from its limit (under half of it, as last reported by the store plus what this
 * instance took since) is counted in memory and its points written to the store in one call
 * every `syncIntervalMs`; each sync learns the total of every instance. Near the limit, and
 * for small limits (under `batchMinPoints`, where a few extra requests would matter), every
 * request consumes in the store before it is answered, so the limit is exact. Once the store
 * says a key is over, this instance refuses it locally until its window ends. The defaults
 * (hundreds of thousands of requests a minute) thus cost one store write per key and instance
 * every 100 ms, whatever the request rate; the worst overshoot is what several instances admit
 * in one sync interval after each crossed half of the limit on its own.
 */
export class SharedLimit {
  private readonly keys = new Map<string, KeyState>();
  private readonly batchMinPoints: number;
  private readonly syncIntervalMs: number;
  private readonly storeTimeoutMs: number;
  private readonly maxTrackedKeys: number;
  private readonly onStoreError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limiter: RateLimiterAbstract,
    options: SharedLimitOptions = {},
  ) {
    this.batchMinPoints = options.batchMinPoints ?? 1_000;
    this.syncIntervalMs = options.syncIntervalMs ?? 100;
    this.storeTimeoutMs = options.storeTimeoutMs ?? 1_000;
    this.maxTrackedKeys = options.maxTrackedKeys ?? 10_000;
    this.onStoreError = options.onStoreError ?? (() => undefined);
  }

  /** The limit's points per window. */
  get points(): number {
    return this.limiter.points;
  }

  /** Takes one point for `key`: allowed, over the limit (with the wait), or unknown (store down). */
  async take(key: string): Promise<LimitVerdict> {
    const now = Date.now();
    const state = this.stateOf(key, now);
    if (state.blockedUntil > now) return { allowed: false, retryAfterSeconds: seconds(state.blockedUntil - now) };
    if (this.points >= this.batchMinPoints && state.consumed + state.pending + 1 <= this.points / 2) {
      state.pending += 1;
      this.scheduleSync();
      return { allowed: true };
    }
    const points = state.pending + 1;
    state.pending = 0;
    return this.consume(key, state, points);
  }

  /**
   * Counts one event for `key` in the store at once (no local batching), and blocks the key
   * locally as soon as it has used up its points: for counters such as failed logins, where
   * the event that reaches the limit is the last one allowed.
   */
  async record(key: string): Promise<LimitVerdict> {
    const state = this.stateOf(key, Date.now());
    const verdict = await this.consume(key, state, 1);
    if (verdict.allowed === true && state.consumed >= this.points) state.blockedUntil = Math.max(state.resetAt, Date.now() + 1_000);
    return verdict;
  }

  /** True while this instance knows `key` to be over its limit; the wait in seconds, else undefined. */
  blockedFor(key: string): number | undefined {
    const state = this.keys.get(key);
    const now = Date.now();
    return state && state.blockedUntil > now ? seconds(state.blockedUntil - now) : undefined;
  }

  /** Stops the sync timer (points not yet written are dropped). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private stateOf(key: string, now: number): KeyState {
    let state = this.keys.get(key);
    if (state && state.resetAt !== 0 && state.resetAt <= now) {
      state.consumed = 0;
      state.resetAt = 0;
    }
    if (!state) {
      if (this.keys.size >= this.maxTrackedKeys) this.evict(now);
      state = { consumed: 0, pending: 0, resetAt: 0, blockedUntil: 0 };
      this.keys.set(key, state);
    }
    return state;
  }

  private evict(now: number): void {
    for (const [key, state] of this.keys) {
      if (state.pending === 0 && state.blockedUntil <= now && (state.resetAt === 0 || state.resetAt <= now)) this.keys.delete(key);
    }
    // Still full (a flood of distinct keys): forget everything rather than grow without bound.
    if (this.keys.size >= this.maxTrackedKeys) this.keys.clear();
  }

  private async consume(key: string, state: KeyState, points: number): Promise<LimitVerdict> {
    try {
      const result = await withTimeout(
        this.limiter.consume(key, points),
        this.storeTimeoutMs,
        () => new Error(`rate-limit store did not answer within ${this.storeTimeoutMs} ms`),
      );
      this.learn(state, result, false);
      return { allowed: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        this.learn(state, error, true);
        return { allowed: false, retryAfterSeconds: seconds(error.msBeforeNext) };
      }
      this.onStoreError(error);
      return { allowed: 'unknown', error };
    }
  }

  private learn(state: KeyState, result: RateLimiterRes, over: boolean): void {
    const now = Date.now();
    state.consumed = result.consumedPoints;
    state.resetAt = result.msBeforeNext >= 0 ? now + result.msBeforeNext : 0;
    if (over) state.blockedUntil = now + Math.max(1_000, result.msBeforeNext);
  }

  private scheduleSync(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, this.syncIntervalMs);
    this.timer.unref();
  }

  /** Writes every key's locally counted points to the store (a failed write drops them: fail open). */
  private async sync(): Promise<void> {
    const due = [...this.keys].filter(([, state]) => state.pending > 0);
    await Promise.all(
      due.map(async ([key, state]) => {
        const points = state.pending;
        state.pending = 0;
        await this.consume(key, state, points);
      }),
    );
  }
}
