import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { JsonColumn } from './json.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Counter = ColumnType<number, number | undefined, number>;

/** What a bulk action does to each run it matches. */
export type BulkActionKind = 'cancel' | 'replay';
/** Where a bulk action stands: `queued` and `running` are open, the others final. */
export type BulkActionStatus = 'queued' | 'running' | 'completed' | 'aborted' | 'failed';

/**
 * The `bulk_actions` table: a cancel or replay over the runs a filter matches, worked through
 * in chunks in creation order. `cursor_created_at`/`cursor_id` is the last run handled, saved
 * with the counters after each chunk, so a worker that stops resumes after it.
 */
export interface BulkActionTable {
  id: string;
  project_id: string;
  action: BulkActionKind;
  /** The `GET /runs` filters, with its required creation window. */
  filter: JsonColumn;
  status: BulkActionStatus;
  matched: Counter;
  processed: Counter;
  succeeded: Counter;
  failed: Counter;
  cursor_created_at: NullableTimestamp;
  cursor_id: string | null;
  /** Passes in a row that failed on the next chunk (reset by a chunk that succeeds). */
  chunk_failures: Counter;
  /** Why a `failed` action stopped; while it is open, the last chunk failure's error. */
  error: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A row of `bulk_actions` as selected. */
export type BulkActionRow = Selectable<BulkActionTable>;
/** A row of `bulk_actions` to insert. */
export type NewBulkActionRow = Insertable<BulkActionTable>;
/** Changes to a row of `bulk_actions`. */
export type BulkActionRowUpdate = Updateable<BulkActionTable>;
