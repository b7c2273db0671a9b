import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it('when lines come faster than the period, then the first is admitted and the rest are counted until the period is over', () => {
    let now = 1_000;
    const gate = new LogThrottle(10_000, () => now);
    expect(gate.admit()).toBe(0);
    for (let i = 0; i < 5; i += 1) expect(gate.admit()).toBeUndefined();
    now += 9_999;
    expect(gate.admit()).toBeUndefined();
    now += 1;
    expect(gate.admit()).toBe(6);
    expect(gate.admit()).toBeUndefined();
    now += 10_000;
    expect(gate.admit()).toBe(1);
  });
});
