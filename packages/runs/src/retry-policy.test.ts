import { BACKOFF_MAX_MS, backoffDelayMs, decideAfterFailure } from './retry-policy.js';

describe('retry policy', () => {
  it('when a run has no backoff limit, then its first failure is final', () => {
    expect(decideAfterFailure({ failures: 1, backoffLimit: null, retryable: true })).toEqual({ type: 'fail' });
    expect(decideAfterFailure({ failures: 1, backoffLimit: 0, retryable: true })).toEqual({ type: 'fail' });
  });

  it('when retries remain, then the run is retried; after backoff_limit retries it fails', () => {
    const decide = (failures: number) => decideAfterFailure({ failures, backoffLimit: 2, retryable: true, random: () => 0 }).type;
    expect([1, 2, 3].map(decide)).toEqual(['retry', 'retry', 'fail']);
  });

  it('when the error is not retryable, then the run fails even with retries left', () => {
    expect(decideAfterFailure({ failures: 1, backoffLimit: 5, retryable: false })).toEqual({ type: 'fail' });
  });

  it('when attempts grow, then the delay doubles within its jitter window and stops at the cap', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(500);
    expect(backoffDelayMs(1, () => 1)).toBe(1_000);
    expect(backoffDelayMs(2, () => 1)).toBe(2_000);
    expect(backoffDelayMs(3, () => 0.5)).toBe(3_000);
    expect(backoffDelayMs(40, () => 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelayMs(1e9, () => 0)).toBe(BACKOFF_MAX_MS / 2);
  });
});
