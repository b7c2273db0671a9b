import { randomUUID } from 'node:crypto';
import type { CreateRunRequest } from '@runq/contract';
import { countBatchRuns, findBatch, insertBatch, type Db } from '@runq/db';
import { BatchNotFoundError, RUN_STATUSES, isTerminalStatus, type RunStatus } from '@runq/runs';
import type { CreatedRun, RunCreator, RunIngest } from './run-ingest.js';

/** The most items one batch takes. */
export const MAX_BATCH_ITEMS = 1_000;

/** What became of each body of a batch, in order (see {@link BatchControl.createBatch}). */
export interface CreatedBatch {
  batchId: string;
  results: PromiseSettledResult<CreatedRun>[];
}

/** A batch's progress: its runs counted by status. */
export interface BatchProgress {
  batch_id: string;
  total: number;
  counts: Record<RunStatus, number>;
  /** Every run of the batch has finished. */
  done: boolean;
}

/**
 * Batches: many runs created in one request, each on its own (its own `public_id`
 * idempotency, its own failure), all in a few statements through {@link RunIngest.createRuns},
 * and followed as one through their shared `batch_id`.
 */
export class BatchControl {
  constructor(
    private readonly db: Db,
    private readonly ingest: RunIngest,
  ) {}

  /**
   * Creates the runs of `bodies` (already validated) as one batch. The batch belongs to the
   * project of its first created run (the caller's first project when none was created).
   */
  async createBatch(caller: RunCreator, bodies: readonly CreateRunRequest[]): Promise<CreatedBatch> {
    const batchId = randomUUID();
    const results = await this.ingest.createRuns(
      caller,
      bodies.map((body) => ({ body, options: { batchId } })),
    );
    const created = results.flatMap((result) => (result.status === 'fulfilled' && !result.value.duplicate ? [result.value.run] : []));
    const projectId = created[0]?.project_id ?? caller.projectIds[0];
    if (projectId !== undefined) await insertBatch(this.db, { id: batchId, project_id: projectId, total: created.length, created_by: caller.name });
    return { batchId, results };
  }

  /** A batch of one of `projectIds` with its runs counted by status; {@link BatchNotFoundError} otherwise. */
  async progress(batchId: string, projectIds: readonly string[]): Promise<BatchProgress> {
    const batch = await findBatch(this.db, batchId, projectIds);
    if (!batch) throw new BatchNotFoundError(batchId);
    const found = await countBatchRuns(this.db, batch.id, projectIds);
    const counts = Object.fromEntries(RUN_STATUSES.map((status) => [status, found[status] ?? 0])) as Record<RunStatus, number>;
    const finished = RUN_STATUSES.filter(isTerminalStatus).reduce((sum, status) => sum + counts[status], 0);
    return { batch_id: batch.id, total: batch.total, counts, done: finished >= batch.total };
  }
}
