import { checkCronSpec, firstSlot, jitterOf, slotAfter, upcomingFires, type ScheduleSpec } from './schedule-spec.js';

const NO_BOUNDS = { startAt: null, endAt: null };

/** The next `count` slots of `spec` after `from`, as ISO strings. */
function slots(spec: ScheduleSpec, from: string, count: number): string[] {
  const out: string[] = [];
  let at: Date | null = new Date(from);
  for (let i = 0; i < count && at; i += 1) {
    at = slotAfter(spec, at);
    if (at) out.push(at.toISOString());
  }
  return out;
}

describe('cron slots across daylight-saving changes', () => {
  it('when 02:30 does not exist in Berlin (spring forward, 2026-03-29), then that day fires at the next valid instant, 03:00 CEST', () => {
    const spec: ScheduleSpec = { type: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' };
    expect(slots(spec, '2026-03-28T00:00:00Z', 3)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('when 02:30 occurs twice in Berlin (fall back, 2026-10-25), then it fires once', () => {
    const spec: ScheduleSpec = { type: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' };
    expect(slots(spec, '2026-10-24T00:00:00Z', 3)).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('when 02:30 does not exist in New York (spring forward, 2026-03-08), then that day fires at 03:00 EDT', () => {
    const spec: ScheduleSpec = { type: 'cron', cron: '30 2 * * *', timezone: 'America/New_York' };
    expect(slots(spec, '2026-03-07T12:00:00Z', 3)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
  });

  it('when 01:30 occurs twice in New York (fall back, 2026-11-01), then it fires once, at the first 01:30 (EDT)', () => {
    const spec: ScheduleSpec = { type: 'cron', cron: '30 1 * * *', timezone: 'America/New_York' };
    expect(slots(spec, '2026-10-31T12:00:00Z', 3)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z']);
  });

  it('when a list of fixed hours crosses the Berlin fall back, then each local time fires once', () => {
    const spec: ScheduleSpec = { type: 'cron', cron: '0 1,2,3 * * *', timezone: 'Europe/Berlin' };
    expect(slots(spec, '2026-10-24T22:00:00Z', 3)).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z']);
  });

  it('when a step in the minutes crosses the New York fall back, then it keeps its elapsed-time rhythm', () => {
    const spec: ScheduleSpec = { type: 'cron', cron: '*/30 * * * *', timezone: 'America/New_York' };
    expect(slots(spec, '2026-11-01T04:50:00Z', 4)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
  });

  it('when no zone differs from UTC, then slots are UTC wall times', () => {
    expect(slots({ type: 'cron', cron: '0 3 * * *', timezone: 'UTC' }, '2026-01-01T03:00:00Z', 2)).toEqual([
      '2026-01-02T03:00:00.000Z',
      '2026-01-03T03:00:00.000Z',
    ]);
  });
});

describe('cron checks', () => {
  it.each([
    ['61 * * * *', 'UTC', '/spec/cron'],
    ['* * * * * *', 'UTC', '/spec/cron'],
    ['every day', 'UTC', '/spec/cron'],
    ['0 3 * * *', 'Mars/Olympus', '/spec/timezone'],
  ])('when the cron is %j in %j, then the issue names %s', (cron, zone, path) => {
    expect(checkCronSpec(cron, zone, '/spec')?.path).toBe(path);
  });

  it('when the cron and zone are valid, then there is no issue', () => {
    expect(checkCronSpec('0 3 * * 1-5', 'Asia/Kolkata', '/spec')).toBeUndefined();
  });
});

describe('interval and list slots', () => {
  it('when an interval has an anchor, then slots are anchor + k * every, strictly after the given time', () => {
    const spec: ScheduleSpec = { type: 'every', everyMs: 15 * 60_000, anchor: new Date('2026-01-01T00:05:00Z') };
    expect(slots(spec, '2026-01-01T00:20:00Z', 2)).toEqual(['2026-01-01T00:35:00.000Z', '2026-01-01T00:50:00.000Z']);
    expect(firstSlot(spec, new Date('2026-01-01T00:35:00Z'), NO_BOUNDS)?.toISOString()).toBe('2026-01-01T00:35:00.000Z');
  });

  it('when the anchor is in the future, then the first slot is the anchor', () => {
    const spec: ScheduleSpec = { type: 'every', everyMs: 1_000, anchor: new Date('2026-05-01T00:00:00Z') };
    expect(firstSlot(spec, new Date('2026-04-01T00:00:00Z'), NO_BOUNDS)?.toISOString()).toBe('2026-05-01T00:00:00.000Z');
  });

  it('when a list of instants is given, then they come in order and then none', () => {
    const spec: ScheduleSpec = { type: 'at', at: [new Date('2026-02-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z')] };
    expect(slots(spec, '2025-12-31T00:00:00Z', 3)).toEqual(['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
  });

  it('when start_at and end_at bound a schedule, then no slot falls outside them', () => {
    const spec: ScheduleSpec = { type: 'every', everyMs: 60_000, anchor: new Date('2026-01-01T00:00:00Z') };
    const bounds = { startAt: new Date('2026-01-01T00:10:30Z'), endAt: new Date('2026-01-01T00:13:00Z') };
    const fires = upcomingFires(spec, firstSlot(spec, new Date('2026-01-01T00:00:00Z'), bounds), bounds, { scheduleId: 'x', maxMs: 0 }, 5);
    expect(fires.map((fire) => fire.slot.toISOString())).toEqual(['2026-01-01T00:11:00.000Z', '2026-01-01T00:12:00.000Z', '2026-01-01T00:13:00.000Z']);
  });
});

describe('jitter', () => {
  it('when the same slot is asked twice, then the jitter is the same, within [0, max], and differs between slots', () => {
    const slot = new Date('2026-01-01T00:00:00Z');
    const values = Array.from({ length: 50 }, (_, i) => jitterOf('schedule-a', new Date(slot.getTime() + i * 60_000), 10_000));
    expect(jitterOf('schedule-a', slot, 10_000)).toBe(values[0]);
    expect(values.every((value) => value >= 0 && value <= 10_000)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(40);
    expect(jitterOf('schedule-a', slot, 0)).toBe(0);
  });
});
