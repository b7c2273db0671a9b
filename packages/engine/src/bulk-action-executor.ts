import type { Logger } from '@runq/config';
import { claimBulkAction, listRunsAfter, updateBulkAction, type BulkActionRow, type Db, type RunRow } from '@runq/db';
import type { BulkActionFilter } from './bulk-action-control.js';
import { bulkRunFilterOf } from './bulk-action-control.js';
import type { RunControl } from './run-control.js';
import type { RunCreator } from './run-ingest.js';
import type { RunReplay } from './run-replay.js';

/** Runs handled per chunk: one transaction holds the action's row while they are handled. */
export const BULK_ACTION_CHUNK = 500;

/** Cancels of one chunk in flight at once: each is its own transaction. */
const CANCEL_CONCURRENCY = 8;

/** What one chunk did. */
export interface BulkChunkOutcome {
  action: BulkActionRow;
  succeeded: number;
  failed: number;
}

/** The `public_id` of a bulk action's replay of `runId`: replaying it again is an idempotent duplicate. */
export function bulkReplayPublicId(actionId: string, runId: string): string {
  return `bulk:${actionId}:${runId}`;
}

/**
 * Works bulk actions through, one chunk per call, from any number of worker processes: the
 * action's row is locked `FOR UPDATE SKIP LOCKED` for the chunk's transaction, and the cursor
 * and counters are saved in it. A process that dies mid-chunk rolls the transaction back, so
 * another redoes the chunk from the saved cursor; its replays, whose `public_id` derives from the
 * action and the original, are then duplicates (docs/decisions/0019-batches-and-bulk-actions.md).
 */
export class BulkActionExecutor {
  constructor(
    private readonly db: Db,
    private readonly control: RunControl,
    private readonly replays: RunReplay,
    private readonly log: Logger,
    private readonly onChunk?: (outcome: BulkChunkOutcome) => void,
    private readonly chunkSize = BULK_ACTION_CHUNK,
  ) {}

  /** Handles the next chunk of the oldest open action no other process holds; undefined when there was none. */
  async step(): Promise<BulkChunkOutcome | undefined> {
    const outcome = await this.db.transaction().execute(async (trx) => {
      const action = await claimBulkAction(trx);
      if (!action) return undefined;
      const filter = bulkRunFilterOf(action.filter as BulkActionFilter, action.project_id);
      const runs = await listRunsAfter(trx, filter, action.cursor_id, this.chunkSize);
      const caller: RunCreator = { name: `bulk_action:${action.id}`, projectIds: [action.project_id] };
      const { succeeded, failed } = action.action === 'cancel' ? await this.cancel(caller, runs) : await this.replay(caller, action, runs);
      const last = runs.at(-1);
      const updated = await updateBulkAction(trx, action.id, {
        status: runs.length < this.chunkSize ? 'completed' : 'running',
        processed: action.processed + runs.length,
        succeeded: action.succeeded + succeeded,
        failed: action.failed + failed,
        ...(last ? { cursor_id: last.id, cursor_created_at: last.created_at } : {}),
      });
      return { action: updated, succeeded, failed };
    });
    if (outcome) this.onChunk?.(outcome);
    return outcome;
  }

  /** Handles chunks until no open action is left to this process (or `shouldStop`). */
  async drain(shouldStop: () => boolean = () => false): Promise<void> {
    while (!shouldStop() && (await this.step())) {
      // The next chunk, at once: an action is done only when a chunk comes back short.
    }
  }

  /** Cancels each run (with its descendants); one already finished counts as failed. */
  private async cancel(caller: RunCreator, runs: readonly RunRow[]): Promise<{ succeeded: number; failed: number }> {
    let succeeded = 0;
    for (let at = 0; at < runs.length; at += CANCEL_CONCURRENCY) {
      const slice = runs.slice(at, at + CANCEL_CONCURRENCY);
      const results = await Promise.allSettled(slice.map((run) => this.control.cancel(caller, run.id)));
      succeeded += results.filter((result) => result.status === 'fulfilled').length;
    }
    return { succeeded, failed: runs.length - succeeded };
  }

  /** Replays each finished run once; an unfinished one counts as failed. */
  private async replay(caller: RunCreator, action: BulkActionRow, runs: readonly RunRow[]): Promise<{ succeeded: number; failed: number }> {
    const results = await this.replays.replayRuns(caller, runs, (run) => bulkReplayPublicId(action.id, run.id));
    const succeeded = results.filter((result) => result.status === 'fulfilled').length;
    for (const result of results) {
      if (result.status === 'rejected' && !isExpected(result.reason)) this.log.warn({ err: result.reason, bulkActionId: action.id }, 'a bulk replay failed');
    }
    return { succeeded, failed: runs.length - succeeded };
  }
}

/** Failures a bulk action counts without logging: a run that is not in a state to replay. */
function isExpected(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'invalid_transition';
}
