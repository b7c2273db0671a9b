import type { ColumnType, Generated } from 'kysely';

/** `worker_targets`: a queue (run kind and runtime target) a worker process serves, under its presence id. */
export interface WorkerTargetTable {
  kind: string;
  target: string;
  presence_id: number;
  /** Runs the worker executes at once from this queue. */
  concurrency: ColumnType<number, number | undefined, number>;
  registered_at: Generated<ColumnType<Date, never, never>>;
}
