import type { ScheduleBody, ScheduleSpecBody } from '@runq/contract';
import type { ScheduleRow } from '@runq/db';
import {
  InvalidRunRequestError,
  MIN_SCHEDULE_INTERVAL_MS,
  checkCronSpec,
  firstSlot,
  formatDuration,
  jitterOf,
  parseDuration,
  type MissedPolicy,
  type OverlapPolicy,
  type RunKind,
  type ScheduleBounds,
  type ScheduleSpec,
} from '@runq/runs';

/** The catch-up window when none is given. */
const DEFAULT_CATCHUP_WINDOW = '1h';

/** A schedule's fields as stored, checked beyond what the schema says. */
export interface ScheduleFields {
  key: string | null;
  kind: RunKind;
  /** The spec as stored: defaults filled in (`timezone`, `anchor`), instants normalised. */
  spec: ScheduleSpecBody;
  startAt: Date | null;
  endAt: Date | null;
  maxRuns: number | null;
  jitterMs: number;
  overlap: OverlapPolicy;
  missed: MissedPolicy;
  catchupWindowMs: number;
  runTtlMs: number | null;
  paused: boolean;
  run: Record<string, unknown>;
}

/**
 * Checks a schedule body the schema accepted (the `run` body was checked against the seed
 * contract by the caller) and fills in the defaults; `now` (database clock) anchors an interval
 * without one. Throws {@link InvalidRunRequestError} naming the field.
 */
export function scheduleFields(body: ScheduleBody, now: Date): ScheduleFields {
  const startAt = body.start_at ? new Date(body.start_at) : null;
  const endAt = body.end_at ? new Date(body.end_at) : null;
  if (startAt && endAt && endAt.getTime() < startAt.getTime()) throw new InvalidRunRequestError('/end_at', 'must not be before start_at');
  const runTtlMs = body.run_ttl === undefined || body.run_ttl === null ? null : durationMs('/run_ttl', body.run_ttl);
  if (runTtlMs === 0) throw new InvalidRunRequestError('/run_ttl', 'must be longer than 0s');
  if ('public_id' in body.run) throw new InvalidRunRequestError('/run/public_id', 'is not allowed: runq derives it from the occurrence');
  return {
    key: body.key ?? null,
    kind: body.run['kind'] as RunKind,
    spec: normalisedSpec(body.spec, now),
    startAt,
    endAt,
    maxRuns: body.max_runs ?? null,
    jitterMs: durationMs('/jitter', body.jitter ?? '0s'),
    overlap: body.overlap ?? 'skip',
    missed: body.missed ?? 'once',
    catchupWindowMs: durationMs('/catchup_window', body.catchup_window ?? DEFAULT_CATCHUP_WINDOW),
    runTtlMs,
    paused: body.paused ?? false,
    run: body.run,
  };
}

function normalisedSpec(spec: ScheduleSpecBody, now: Date): ScheduleSpecBody {
  if ('cron' in spec) {
    const timezone = spec.timezone ?? 'UTC';
    const issue = checkCronSpec(spec.cron, timezone, '/spec');
    if (issue) throw new InvalidRunRequestError(issue.path, issue.message);
    return { cron: spec.cron, timezone };
  }
  if ('every' in spec) {
    const everyMs = durationMs('/spec/every', spec.every);
    if (everyMs < MIN_SCHEDULE_INTERVAL_MS) throw new InvalidRunRequestError('/spec/every', 'must be at least 1s');
    return { every: spec.every, anchor: (spec.anchor ? new Date(spec.anchor) : now).toISOString() };
  }
  return { at: [...new Set(spec.at.map((at) => new Date(at).toISOString()))].sort() };
}

/** The spec runq computes with, from a stored one. */
export function specOf(stored: unknown): ScheduleSpec {
  const spec = stored as ScheduleSpecBody;
  if ('cron' in spec) return { type: 'cron', cron: spec.cron, timezone: spec.timezone ?? 'UTC' };
  if ('every' in spec) return { type: 'every', everyMs: parseDuration(spec.every) ?? MIN_SCHEDULE_INTERVAL_MS, anchor: new Date(spec.anchor ?? 0) };
  return { type: 'at', at: spec.at.map((at) => new Date(at)) };
}

/** A stored schedule's bounds. */
export function boundsOf(row: Pick<ScheduleRow, 'start_at' | 'end_at'>): ScheduleBounds {
  return { startAt: row.start_at, endAt: row.end_at };
}

/**
 * The next occurrence at or after `from` of a schedule with `fields` (none once `max_runs` runs
 * were created), and when it fires (its jitter added).
 */
export function firstFire(
  scheduleId: string,
  fields: Pick<ScheduleFields, 'spec' | 'startAt' | 'endAt' | 'maxRuns' | 'jitterMs'>,
  from: Date,
  runsCreated: number,
): { next_slot: Date | null; next_fire_at: Date | null } {
  if (fields.maxRuns !== null && runsCreated >= fields.maxRuns) return { next_slot: null, next_fire_at: null };
  const slot = firstSlot(specOf(fields.spec), from, { startAt: fields.startAt, endAt: fields.endAt });
  return { next_slot: slot, next_fire_at: slot && new Date(slot.getTime() + jitterOf(scheduleId, slot, fields.jitterMs)) };
}

/** A stored schedule as the body that would create it (what a PATCH is merged into). */
export function scheduleBodyOf(row: ScheduleRow): ScheduleBody {
  return {
    key: row.key,
    spec: row.spec as ScheduleSpecBody,
    start_at: row.start_at?.toISOString() ?? null,
    end_at: row.end_at?.toISOString() ?? null,
    max_runs: row.max_runs,
    jitter: formatDuration(Number(row.jitter_ms)),
    overlap: row.overlap,
    missed: row.missed,
    catchup_window: formatDuration(Number(row.catchup_window_ms)),
    run_ttl: row.run_ttl_ms === null ? null : formatDuration(Number(row.run_ttl_ms)),
    paused: row.paused,
    run: row.run as Record<string, unknown>,
  };
}

/** The milliseconds of a duration the schema accepted (its pattern), or a problem naming `path`. */
function durationMs(path: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidRunRequestError(path, 'must be a duration such as 30s, 15m, 2h or 1d');
  return ms;
}
