import type { Logger } from '@runq/config';
import { deleteFinishedRuns, type Db } from '@runq/db';
import type { RetentionConfig } from './config.js';

/** What one retention pass deleted. */
export interface RetentionReport {
  deleted: number;
  batches: number;
  /** True when the pass stopped at its time budget with expired runs left (the next pass goes on). */
  more: boolean;
}

/**
 * One pass spends at most this long deleting, so the reconciler's repairs (which share its
 * tick) are never held up for long; a backlog after enabling retention on a big table is worked
 * off pass after pass. Each batch is its own short transaction.
 */
const PASS_BUDGET_MS = 5_000;

/**
 * Deletes finished runs older than `RUNQ_RETENTION_DAYS`, with their events, for the active
 * reconciler (so one process does it, whatever the number of workers). Deleted rather than
 * moved to an archive table: an archive in the same database keeps every byte and doubles the
 * writes of each expired run, while the point of retention is to bound the table and its indexes;
 * history that must outlive retention belongs in an export or a backup, not in the run store.
 */
export class RunRetention {
  private lastPass = 0;

  constructor(
    private readonly db: Db,
    private readonly config: Readonly<RetentionConfig>,
    private readonly log: Logger,
  ) {}

  /** Runs a pass when `intervalMs` has passed since the last one; otherwise does nothing. */
  async maybePrune(now = Date.now()): Promise<RetentionReport | undefined> {
    if (now - this.lastPass < this.config.intervalMs) return undefined;
    this.lastPass = now;
    return this.pruneOnce(now);
  }

  /** Deletes expired runs, batch after batch, until none is left or the pass's time budget is spent. */
  async pruneOnce(now = Date.now()): Promise<RetentionReport> {
    const finishedBefore = new Date(now - this.config.maxAgeMs);
    const started = Date.now();
    let deleted = 0;
    let batches = 0;
    for (;;) {
      const count = await deleteFinishedRuns(this.db, { finishedBefore, limit: this.config.batchSize });
      deleted += count;
      if (count > 0) batches += 1;
      if (count < this.config.batchSize) break;
      if (Date.now() - started >= PASS_BUDGET_MS) {
        this.log.info({ deleted, batches }, 'retention pass reached its time budget; the next pass continues');
        return { deleted, batches, more: true };
      }
    }
    if (deleted > 0) this.log.info({ deleted, batches, finishedBefore: finishedBefore.toISOString() }, 'retention deleted finished runs');
    return { deleted, batches, more: false };
  }
}
