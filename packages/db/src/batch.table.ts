import type { ColumnType, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/**
 * The `batches` table: one row per accepted `POST /batches`. `total` is the number of runs the
 * batch created; those runs carry its id in `runs.batch_id`, so its progress is a count of them
 * by status.
 */
export interface BatchTable {
  id: string;
  project_id: string;
  total: number;
  created_by: string | null;
  created_at: Timestamp;
}

/** A row of `batches` as selected. */
export type BatchRow = Selectable<BatchTable>;
/** A row of `batches` to insert. */
export type NewBatchRow = Insertable<BatchTable>;
