import { RateLimiterMemory } from 'rate-limiter-flexible';
import { waitFor } from '@runq/local/testing';
import { SharedLimit } from './shared-limit.js';

/** A store that counts its calls (a RateLimiterMemory stands in for Redis or Postgres: same interface). */
function countingStore(points: number): { limiter: RateLimiterMemory; calls: () => number } {
  const limiter = new RateLimiterMemory({ points, duration: 60 });
  let calls = 0;
  const consume = limiter.consume.bind(limiter);
  limiter.consume = (key, taken, options) => {
    calls += 1;
    return consume(key, taken, options);
  };
  return { limiter, calls: () => calls };
}

async function takeMany(limit: SharedLimit, key: string, count: number): Promise<{ allowed: number; refused: number[] }> {
  let allowed = 0;
  const refused: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const verdict = await limit.take(key);
    if (verdict.allowed === true) allowed += 1;
    else if (verdict.allowed === false) refused.push(verdict.retryAfterSeconds);
  }
  return { allowed, refused };
}

describe('SharedLimit', () => {
  const limits: SharedLimit[] = [];
  afterEach(() => {
    for (const limit of limits.splice(0)) limit.close();
  });
  const open = (...args: ConstructorParameters<typeof SharedLimit>) => {
    const limit = new SharedLimit(...args);
    limits.push(limit);
    return limit;
  };

  it('when a small limit is spent, then exactly its points are allowed and the rest refused with a wait', async () => {
    const store = countingStore(5);
    const limit = open(store.limiter);
    const { allowed, refused } = await takeMany(limit, 'k', 8);
    expect(allowed).toBe(5);
    expect(refused).toHaveLength(3);
    for (const wait of refused) expect(wait).toBeGreaterThanOrEqual(1);
    // Refused locally once known to be over: the store is not asked again.
    expect(store.calls()).toBe(6);
  });

  it('when a key is far below a large limit, then requests are counted locally and written in one call per sync', async () => {
    const store = countingStore(100_000);
    const limit = open(store.limiter, { syncIntervalMs: 20 });
    expect((await takeMany(limit, 'k', 1_000)).allowed).toBe(1_000);
    expect(store.calls()).toBe(0);
    await waitFor('the sync', () => store.calls() > 0);
    expect(store.calls()).toBe(1);
    expect((await store.limiter.get('k'))?.consumedPoints).toBe(1_000);
  });

  it('when instances share a large limit, then together they admit it with at most a sync interval of overshoot and then refuse', async () => {
    const store = countingStore(2_000);
    const a = open(store.limiter, { syncIntervalMs: 10 });
    const b = open(store.limiter, { syncIntervalMs: 10 });
    let allowed = 0;
    let refused = 0;
    for (let round = 0; round < 60; round += 1) {
      for (const limit of [a, b]) {
        const result = await takeMany(limit, 'k', 50);
        allowed += result.allowed;
        refused += result.refused.length;
      }
      // Time passes between bursts, as it does between requests: the syncs run meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    expect(allowed).toBeGreaterThanOrEqual(2_000);
    // Each instance may have taken up to half the limit locally before its sync told it the total.
    expect(allowed).toBeLessThanOrEqual(2_000 + 100);
    expect(refused).toBe(60 * 100 - allowed);
  });

  it('when recorded events reach the points, then the key is blocked from the last allowed one on', async () => {
    const store = countingStore(3);
    const limit = open(store.limiter);
    for (let i = 0; i < 3; i += 1) expect(await limit.record('addr')).toEqual({ allowed: true });
    expect(limit.blockedFor('addr')).toBeGreaterThanOrEqual(1);
    expect(limit.blockedFor('other')).toBeUndefined();
  });

  it('when the store fails, then the verdict is unknown and the failure is reported', async () => {
    const limiter = new RateLimiterMemory({ points: 5, duration: 60 });
    limiter.consume = () => Promise.reject(new Error('store down'));
    const errors: unknown[] = [];
    const limit = open(limiter, { onStoreError: (error) => errors.push(error) });
    expect(await limit.take('k')).toEqual({ allowed: 'unknown', error: expect.any(Error) });
    expect(errors).toHaveLength(1);
  });

  it('when the store does not answer in time, then the verdict is unknown rather than a wait', async () => {
    const limiter = new RateLimiterMemory({ points: 5, duration: 60 });
    limiter.consume = () => new Promise(() => undefined);
    const limit = open(limiter, { storeTimeoutMs: 50 });
    const started = Date.now();
    expect((await limit.take('k')).allowed).toBe('unknown');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
