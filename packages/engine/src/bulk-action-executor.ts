import { isDependencyUnavailable } from '@runq/async';
import type { Logger } from '@runq/config';
import { claimBulkAction, listRunsAfter, recordBulkActionChunkFailure, updateBulkAction, type BulkActionRow, type Db, type RunRow } from '@runq/db';
import type { BulkActionFilter } from './bulk-action-control.js';
import { bulkRunFilterOf } from './bulk-action-control.js';
import type { RunControl } from './run-control.js';
import type { RunCreator } from './run-ingest.js';
import type { RunReplay } from './run-replay.js';

/** Runs handled per chunk: one transaction holds the action's row while they are handled. */
export const BULK_ACTION_CHUNK = 500;

/**
 * Passes in a row that may fail on an action's next chunk (an error each time, not a crash nor
 * an outage of Postgres or Redis) before the action is marked `failed` with the last error.
 */
export const BULK_CHUNK_FAILURE_LIMIT = 5;

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

  /**
   * Handles the next chunk of the oldest open action no other process holds; undefined when
   * there was none. A chunk that throws is counted against the action (see
   * {@link BULK_CHUNK_FAILURE_LIMIT}) and the error rethrown, unless that failure marked the
   * action `failed`: then the failed action is the outcome, and the next action can go on.
   */
  async step(): Promise<BulkChunkOutcome | undefined> {
    let claimed: BulkActionRow | undefined;
    let outcome: BulkChunkOutcome | undefined;
    try {
      outcome = await this.chunk((action) => {
        claimed = action;
      });
    } catch (error) {
      const failed = claimed && (await this.recordFailure(claimed, error));
      if (!failed) throw error;
      return { action: failed, succeeded: 0, failed: 0 };
    }
    if (outcome) this.onChunk?.(outcome);
    return outcome;
  }

  /** Handles the next chunk of one action in one transaction; `onClaim` learns which action it holds. */
  private async chunk(onClaim: (action: BulkActionRow) => void): Promise<BulkChunkOutcome | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const action = await claimBulkAction(trx);
      if (!action) return undefined;
      onClaim(action);
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
        chunk_failures: 0,
        error: null,
        ...(last ? { cursor_id: last.id, cursor_created_at: last.created_at } : {}),
      });
      return { action: updated, succeeded, failed };
    });
  }

  /**
   * Counts a failed pass on `action`'s chunk, unless the error is an outage (the pass is retried
   * without counting); the action when this failure marked it `failed`, undefined otherwise.
   */
  private async recordFailure(action: BulkActionRow, error: unknown): Promise<BulkActionRow | undefined> {
    if (isDependencyUnavailable(error)) return undefined;
    // Duck-typed: an error from Node's core may come from another realm than this code (as under Jest).
    const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
    const failure = {
      error: message,
      reason: `the next chunk failed ${BULK_CHUNK_FAILURE_LIMIT} times in a row; the last error: ${message}`,
      limit: BULK_CHUNK_FAILURE_LIMIT,
    };
    const recorded = await recordBulkActionChunkFailure(this.db, action.id, action.cursor_id, failure).catch((recordError: unknown) => {
      this.log.warn({ err: recordError, bulkActionId: action.id }, 'recording a bulk action chunk failure failed');
      return undefined;
    });
    if (recorded?.status !== 'failed') return undefined;
    this.log.error({ err: error, bulkActionId: action.id, processed: recorded.processed }, 'a bulk action failed: its next chunk failed every time');
    return recorded;
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
