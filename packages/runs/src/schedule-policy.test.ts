import { afterOverlap, decideOverlap, planDueSlots, type DueSlot } from './schedule-policy.js';

const now = new Date('2026-01-01T12:00:00Z');
/** Slots `secondsAgo` before now, oldest first. */
function due(...secondsAgo: number[]): DueSlot[] {
  return secondsAgo.map((s) => ({ slot: new Date(now.getTime() - s * 1000), fireAt: new Date(now.getTime() - s * 1000) }));
}
const lateBefore = new Date(now.getTime() - 15_000);

describe('missed occurrences', () => {
  it('when slots are on time, then every policy fires them', () => {
    for (const missed of ['skip', 'once', 'all'] as const) {
      expect(planDueSlots(due(10, 1), { now, lateBefore, missed, catchupWindowMs: 0 })).toEqual(['fire', 'fire']);
    }
  });

  it('when slots are late, then skip misses them, once fires the latest, all fires those within the catch-up window', () => {
    const slots = due(3600, 600, 60, 1);
    expect(planDueSlots(slots, { now, lateBefore, missed: 'skip', catchupWindowMs: 0 })).toEqual(['missed', 'missed', 'missed', 'fire']);
    expect(planDueSlots(slots, { now, lateBefore, missed: 'once', catchupWindowMs: 0 })).toEqual(['missed', 'missed', 'fire', 'fire']);
    expect(planDueSlots(slots, { now, lateBefore, missed: 'all', catchupWindowMs: 900_000 })).toEqual(['missed', 'fire', 'fire', 'fire']);
  });

  it('when a schedule resumed just now, then every slot before the resume is late', () => {
    expect(planDueSlots(due(5, 2), { now, lateBefore: now, missed: 'skip', catchupWindowMs: 0 })).toEqual(['missed', 'missed']);
  });
});

describe('overlap', () => {
  it('when nothing is unfinished, then every policy creates', () => {
    for (const policy of ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow'] as const)
      expect(decideOverlap(policy, { active: 0, buffered: 0 })).toBe('create');
  });

  it('when a run is unfinished, then each policy decides as documented', () => {
    const busy = { active: 1, buffered: 0 };
    expect(decideOverlap('skip', busy)).toBe('skip');
    expect(decideOverlap('allow', busy)).toBe('create');
    expect(decideOverlap('cancel_other', busy)).toBe('cancel_others');
    expect(decideOverlap('buffer_one', busy)).toBe('buffer');
    expect(decideOverlap('buffer_one', afterOverlap(busy, 'buffer'))).toBe('skip');
    expect(decideOverlap('buffer_all', afterOverlap(busy, 'buffer'))).toBe('buffer');
    expect(afterOverlap({ active: 2, buffered: 3 }, 'cancel_others')).toEqual({ active: 1, buffered: 0 });
  });
});
