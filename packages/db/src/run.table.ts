import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { HoldReason, RunError, RunExecutor, RunKind, RunOwnerKind, RunStatus, TriggerKind, WaitingReason } from '@runq/runs';
import type { JsonColumn } from './json.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** The `runs` table. Column names are the envelope's field names where the two meet. */
export interface RunTable {
  id: string;
  project_id: string;
  kind: RunKind;
  status: RunStatus;
  previous_status: RunStatus | null;
  executor: Defaulted<RunExecutor>;
  owner_kind: RunOwnerKind;
  owner_id: string;
  public_id: string | null;
  /** SHA-256 of the canonical request body; stored only for runs with a `public_id` (replays compare it). */
  request_hash: string | null;
  request: JsonColumn;
  parent_run_id: string | null;
  root_run_id: string;
  waiting_reason: WaitingReason | null;
  metadata: JsonColumn;
  target: string | null;
  workflow_id: string | null;
  schedule_id: string | null;
  batch_id: string | null;
  runtime_target_kind: string | null;
  runtime_target_environment_id: string | null;
  runtime_target_branch_id: string | null;
  input: JsonColumn;
  config: JsonColumn;
  output: JsonColumn;
  error: JsonColumn<RunError | null>;
  logs: string | null;
  artifacts: ColumnType<unknown[], string | undefined, string>;
  duration_ms: number | null;
  exit_code: number | null;
  start_mode: string | null;
  timeout_seconds: number | null;
  backoff_limit: number | null;
  trigger_kind: TriggerKind | null;
  trigger_id: string | null;
  created_by: string | null;
  conversation_id: string | null;
  message_id: string | null;
  attempt: Defaulted<number>;
  event_seq: Defaulted<number>;
  /** Id of the queue job of the current dispatch: the run id, then `<run id>.<event seq>` for re-dispatches. */
  job_id: string;
  lease_token: string | null;
  lease_expires_at: NullableTimestamp;
  resume_data: JsonColumn;
  wait_deadline_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  /** Presence id of the worker process holding the current claim (its advisory lock); null when none is known. */
  lease_holder: number | null;
  /** Why a pending run has not been given to a worker (flow control); null once admitted. */
  hold_reason: HoldReason | null;
  /** For a run held by a rate: when it may try again. */
  hold_until: NullableTimestamp;
  /** The concurrency buckets the run needs a slot in (its policies' keys), or null. */
  slot_buckets: string[] | null;
  /** The rate buckets the run's start counts against, or null. */
  rate_buckets: string[] | null;
  /** The run's place in admission order: its creation moved by its priority; null without policies. */
  order_at: NullableTimestamp;
  /** W3C `traceparent` of the span that created the run (its attempts' spans are its children); null with tracing off. */
  traceparent: string | null;
  /** For a run of a schedule with a `run_ttl`: when it is cancelled (error code `expired`) unless it has started. */
  expires_at: NullableTimestamp;
}

/** A row of `runs` as selected. */
export type RunRow = Selectable<RunTable>;
/** A row of `runs` to insert. */
export type NewRunRow = Insertable<RunTable>;
/** Changes to a row of `runs`. */
export type RunRowUpdate = Updateable<RunTable>;

/**
 * Every column of `runs` with its Postgres type, in table order: for statements written as
 * fixed text (prepared, batched) that must name their columns. The type below fails to compile
 * when {@link RunTable} gains a column this list lacks.
 */
export const RUN_COLUMN_TYPES = {
  id: 'text',
  project_id: 'uuid',
  kind: 'text',
  status: 'text',
  previous_status: 'text',
  executor: 'text',
  owner_kind: 'text',
  owner_id: 'uuid',
  public_id: 'text',
  request_hash: 'text',
  request: 'jsonb',
  parent_run_id: 'text',
  root_run_id: 'text',
  waiting_reason: 'text',
  metadata: 'jsonb',
  target: 'text',
  workflow_id: 'text',
  schedule_id: 'uuid',
  batch_id: 'uuid',
  runtime_target_kind: 'text',
  runtime_target_environment_id: 'uuid',
  runtime_target_branch_id: 'uuid',
  input: 'jsonb',
  config: 'jsonb',
  output: 'jsonb',
  error: 'jsonb',
  logs: 'text',
  artifacts: 'jsonb',
  duration_ms: 'integer',
  exit_code: 'integer',
  start_mode: 'text',
  timeout_seconds: 'double precision',
  backoff_limit: 'double precision',
  trigger_kind: 'text',
  trigger_id: 'text',
  created_by: 'text',
  conversation_id: 'uuid',
  message_id: 'uuid',
  attempt: 'integer',
  event_seq: 'integer',
  job_id: 'text',
  lease_token: 'uuid',
  lease_expires_at: 'timestamptz',
  resume_data: 'jsonb',
  wait_deadline_at: 'timestamptz',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  started_at: 'timestamptz',
  completed_at: 'timestamptz',
  lease_holder: 'integer',
  hold_reason: 'text',
  hold_until: 'timestamptz',
  slot_buckets: 'text[]',
  rate_buckets: 'text[]',
  order_at: 'timestamptz',
  traceparent: 'text',
  expires_at: 'timestamptz',
} as const satisfies Record<keyof RunTable, string>;

/** The columns of `runs`, in table order. */
export const RUN_COLUMNS = Object.keys(RUN_COLUMN_TYPES) as (keyof RunTable)[];

/** `alias.column, …` for every column of `runs`: a row as `selectAll` would read it. */
export function runColumnList(alias: string): string {
  return RUN_COLUMNS.map((column) => `${alias}.${column}`).join(', ');
}
