import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { MissedPolicy, OccurrenceOutcome, OverlapPolicy, RunKind } from '@runq/runs';
import type { JsonColumn } from './json.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** `bigint`: read back as a string by `pg`. */
type BigintColumn = ColumnType<string, number | undefined, number>;
type NullableBigint = ColumnType<string | null, number | null | undefined, number | null>;
type Counter = ColumnType<number, number | undefined, number>;

/**
 * The `schedules` table: a project's schedules. `spec` and `run` are stored as the API received
 * them (`run` without `public_id`); the firing state is `next_slot` (the next occurrence's nominal
 * time), `next_fire_at` (that plus its jitter: what the firer scans) and `late_before` (slots
 * before it are late: set on resume, so the paused span fires only as `missed` says).
 */
export interface ScheduleTable {
  id: string;
  project_id: string;
  key: string | null;
  kind: RunKind;
  spec: JsonColumn;
  start_at: NullableTimestamp;
  end_at: NullableTimestamp;
  max_runs: number | null;
  jitter_ms: BigintColumn;
  overlap: OverlapPolicy;
  missed: MissedPolicy;
  catchup_window_ms: BigintColumn;
  run_ttl_ms: NullableBigint;
  paused: ColumnType<boolean, boolean | undefined, boolean>;
  run: JsonColumn;
  next_slot: NullableTimestamp;
  next_fire_at: NullableTimestamp;
  late_before: NullableTimestamp;
  last_fired_at: NullableTimestamp;
  runs_created: Counter;
  skipped: Counter;
  missed_count: Counter;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A row of `schedules` as selected. */
export type ScheduleRow = Selectable<ScheduleTable>;
/** A row of `schedules` to insert. */
export type NewScheduleRow = Insertable<ScheduleTable>;
/** Changes to a row of `schedules`. */
export type ScheduleRowUpdate = Updateable<ScheduleTable>;

/**
 * `schedule_occurrences`: one row per occurrence of a schedule, unique per (schedule,
 * scheduled_for). An occurrence `created` with no `run_id` (and no `error`) has its run still to
 * be created: the firer creates it after its transaction commits, with a `public_id` derived from
 * the occurrence, so creating it twice is an idempotent duplicate.
 */
export interface ScheduleOccurrenceTable {
  id: string;
  schedule_id: string;
  scheduled_for: Timestamp;
  fired_at: Timestamp;
  outcome: OccurrenceOutcome;
  /** The run is created held (hold reason `schedule`) until the schedule's previous run finishes. */
  buffered: ColumnType<boolean, boolean | undefined, boolean>;
  run_id: string | null;
  /** Why the run could not be created (the run body no longer fits its project). */
  error: string | null;
}

/** A row of `schedule_occurrences` as selected. */
export type ScheduleOccurrenceRow = Selectable<ScheduleOccurrenceTable>;
/** A row of `schedule_occurrences` to insert. */
export type NewScheduleOccurrenceRow = Insertable<ScheduleOccurrenceTable>;
