import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { ConcurrencyStrategy, RunKind } from '@runq/runs';

/** The `policies` table: a project's flow-control policies, by name. */
export interface PolicyTable {
  id: string;
  project_id: string;
  name: string;
  match_kind: RunKind | null;
  match_target: string | null;
  concurrency_key: string | null;
  concurrency_limit: number | null;
  concurrency_strategy: ConcurrencyStrategy | null;
  rate_key: string | null;
  rate_max: number | null;
  /** `bigint`: read back as a string by `pg`. */
  rate_per_ms: ColumnType<string | null, number | null, number | null>;
  priority: number;
  ttl_ms: ColumnType<string | null, number | null, number | null>;
  created_at: ColumnType<Date, Date | undefined, Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** A row of `policies` as selected. */
export type PolicyRow = Selectable<PolicyTable>;
/** A row of `policies` to insert. */
export type NewPolicyRow = Insertable<PolicyTable>;

/** `run_slots`: a slot a run holds in a concurrency bucket. */
export interface RunSlotTable {
  bucket: string;
  run_id: string;
}

/** `run_holds`: a held run waiting on a full concurrency bucket, in admission order. */
export interface RunHoldTable {
  bucket: string;
  order_at: Date;
  run_id: string;
}

/** `rate_buckets`: which slot of a rate bucket's ring the next start replaces. */
export interface RateBucketTable {
  bucket: string;
  next_slot: ColumnType<string, number | undefined, number>;
}

/** `rate_starts`: the latest starts of a rate bucket, one per slot of its ring. */
export interface RateStartTable {
  bucket: string;
  slot: number;
  started_at: Date;
}
