import { createHash } from 'node:crypto';
import { Cron } from 'croner';

/**
 * When a schedule fires, as runq computes it: a 5-field cron expression read in an IANA time
 * zone, a fixed interval counted from an anchor, or a list of instants.
 */
export type ScheduleSpec =
  { type: 'cron'; cron: string; timezone: string } | { type: 'every'; everyMs: number; anchor: Date } | { type: 'at'; at: readonly Date[] };

/** The shortest interval of an `every` spec. */
export const MIN_SCHEDULE_INTERVAL_MS = 1_000;

/** A spec field that cannot be used, with the JSON pointer of the field. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** Whether `zone` is an IANA time zone this runtime knows (aliases such as `US/Eastern` included). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The croner job of a cron spec. Only fixed-time fields (no wildcard or step in minute and hour,
 * lists and ranges included) make a job fixed-time: in a spring-forward gap it fires at the next
 * valid instant, and a fall-back local time fires once. A job with a wildcard or step in those
 * fields runs by elapsed time instead (every 30 minutes stays every 30 minutes across the change).
 * See docs/decisions/0013-schedules.md.
 */
function cronJob(cron: string, timezone: string): Cron {
  return new Cron(cron, { mode: '5-part', timezone, fixedTimeRule: 'no-wildcard', paused: true });
}

/** Checks a cron expression and zone; the issue names `pathPrefix/cron` or `pathPrefix/timezone`. */
export function checkCronSpec(cron: string, timezone: string, pathPrefix: string): SpecIssue | undefined {
  if (!isKnownTimeZone(timezone)) return { path: `${pathPrefix}/timezone`, message: `is not a known IANA time zone: ${JSON.stringify(timezone)}` };
  try {
    cronJob(cron, timezone);
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : 'is invalid';
    return { path: `${pathPrefix}/cron`, message: `is not a valid 5-field cron expression (${reason})` };
  }
}

/**
 * The first slot of `spec` strictly after `after`, or null when the spec has no more. A slot is
 * the nominal time of an occurrence (its `scheduled_for`), before jitter.
 */
export function slotAfter(spec: ScheduleSpec, after: Date): Date | null {
  switch (spec.type) {
    case 'cron':
      return cronJob(spec.cron, spec.timezone).nextRun(after);
    case 'every': {
      const anchor = spec.anchor.getTime();
      const steps = Math.floor((after.getTime() - anchor) / spec.everyMs) + 1;
      return new Date(anchor + Math.max(0, steps) * spec.everyMs);
    }
    case 'at': {
      let best: Date | null = null;
      for (const at of spec.at) if (at.getTime() > after.getTime() && (best === null || at.getTime() < best.getTime())) best = at;
      return best;
    }
  }
}

/** The first slot at or after `from`. */
export function slotFrom(spec: ScheduleSpec, from: Date): Date | null {
  return slotAfter(spec, new Date(from.getTime() - 1));
}

/**
 * The jitter of one slot: a delay in [0, maxMs] that depends only on the schedule and the slot,
 * so every process computes the same fire time and `upcoming` does not move between reads.
 */
export function jitterOf(scheduleId: string, slot: Date, maxMs: number): number {
  if (maxMs <= 0) return 0;
  const digest = createHash('sha256').update(`${scheduleId}/${slot.toISOString()}`).digest();
  return Math.floor((digest.readUInt32BE(0) / 0x1_0000_0000) * (maxMs + 1));
}

/** The bounds a schedule's slots stay within. */
export interface ScheduleBounds {
  /** No slot before this. */
  startAt: Date | null;
  /** No slot after this. */
  endAt: Date | null;
}

/** The first slot at or after `from` (and at or after `startAt`) that is within the bounds, or null. */
export function firstSlot(spec: ScheduleSpec, from: Date, bounds: ScheduleBounds): Date | null {
  const start = bounds.startAt && bounds.startAt.getTime() > from.getTime() ? bounds.startAt : from;
  return withinEnd(slotFrom(spec, start), bounds);
}

/** The slot after `slot` within the bounds, or null. */
export function nextSlot(spec: ScheduleSpec, slot: Date, bounds: ScheduleBounds): Date | null {
  return withinEnd(slotAfter(spec, slot), bounds);
}

function withinEnd(slot: Date | null, bounds: ScheduleBounds): Date | null {
  if (slot === null) return null;
  return bounds.endAt && slot.getTime() > bounds.endAt.getTime() ? null : slot;
}

/** The next `count` slots from `slot` (itself included) within the bounds, with their fire times. */
export function upcomingFires(
  spec: ScheduleSpec,
  slot: Date | null,
  bounds: ScheduleBounds,
  jitter: { scheduleId: string; maxMs: number },
  count: number,
): { slot: Date; fireAt: Date }[] {
  const fires: { slot: Date; fireAt: Date }[] = [];
  for (let current = slot; current !== null && fires.length < count; current = nextSlot(spec, current, bounds)) {
    fires.push({ slot: current, fireAt: new Date(current.getTime() + jitterOf(jitter.scheduleId, current, jitter.maxMs)) });
  }
  return fires;
}
