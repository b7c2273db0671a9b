import { RETRY_STEPS, retryDelayMs } from './retry-schedule.js';

describe('retryDelayMs', () => {
  it('when the jitter is centred, then the delays follow the steps times the base', () => {
    const centred = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((attempts) => retryDelayMs(attempts, 5_000, centred))).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000,
    ]);
  });

  it('when attempts go past the table, then every further retry waits the last step', () => {
    expect(retryDelayMs(50, 1_000, () => 0.5)).toBe(RETRY_STEPS[6] * 1_000);
  });

  it('when the jitter is at its ends, then the delay stays within ±20 %', () => {
    expect(retryDelayMs(1, 10_000, () => 0)).toBe(8_000);
    expect(retryDelayMs(1, 10_000, () => 1)).toBe(12_000);
    for (let i = 0; i < 100; i += 1) {
      const delay = retryDelayMs(2, 1_000);
      expect(delay).toBeGreaterThanOrEqual(4_800);
      expect(delay).toBeLessThanOrEqual(7_200);
    }
  });
});
