import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { RunStatus } from '@runq/runs';
import type { JsonColumn } from './json.js';

/** The `run_events` table: one row per transition, append-only, numbered per run from 1. */
export interface RunEventTable {
  run_id: string;
  seq: number;
  from_status: RunStatus | null;
  to_status: RunStatus;
  attempt: number;
  at: ColumnType<Date, Date | string, never>;
  data: JsonColumn;
}

/** A row of `run_events` as selected. */
export type RunEventRow = Selectable<RunEventTable>;
/** A row of `run_events` to insert. */
export type NewRunEventRow = Insertable<RunEventTable>;
