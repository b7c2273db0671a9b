import type { Logger } from '@runq/config';
import { countReadyRuns, hasFairHeldRuns, listFairHeldQueues, listServedSlots, lockFairShare, releaseFairHeld, type Db, type RunRow } from '@runq/db';
import { groupByQueue, type RunQueues } from '@runq/queue';
import { DEFAULT_RUNTIME_TARGET } from '@runq/runs';

/** How long the live workers' slots are reused before being read again (ms). */
const SLOTS_CACHE_MS = 1_000;
/** How long a project's counted ready runs are trusted before being counted again (ms). */
const COUNT_TTL_MS = 200;

/** What this process knows of one project's ready runs of one kind. */
interface ShareEstimate {
  /** Ready runs at the last count, plus the runs this process dispatched since. */
  ready: number;
  /** Whether the project had runs held for fair share at the last count (or this process held one since). */
  held: boolean;
  countedAt: number;
}

/**
 * Fairness between projects (docs/decisions/0017-fair-share.md). A kind's queue (default
 * target) has as many slots as the live workers serving it; a project may have at most that many
 * ready runs in it, its share. A new run beyond its project's share, or behind runs of its project
 * already held, is held with reason `fair_share`; as the project's ready runs start, the oldest
 * held ones are released into the queue (a top-up). Another project's new run therefore waits
 * behind at most one share of each busy project, while a project alone keeps every slot busy.
 */
export class FairShare {
  private slots: { at: number; byKind: Promise<ReadonlyMap<string, number>> } | undefined;
  private readonly estimates = new Map<string, ShareEstimate>();

  constructor(
    private readonly db: Db,
    private readonly queues: RunQueues,
    private readonly log: Logger,
  ) {}

  /** The share of a project in `kind`'s queue: the slots live workers have on it (undefined: no worker). */
  async shareOf(kind: string): Promise<number | undefined> {
    const now = Date.now();
    if (!this.slots || now - this.slots.at >= SLOTS_CACHE_MS) {
      const byKind = listServedSlots(this.db).then((rows) => new Map(rows.filter((row) => row.target === DEFAULT_RUNTIME_TARGET).map((row) => [row.kind, row.slots])));
      this.slots = { at: now, byKind };
      byKind.catch(() => {
        if (this.slots?.byKind === byKind) this.slots = undefined;
      });
    }
    return (await this.slots.byKind).get(kind);
  }

  /**
   * Whether a new run of `kind` in `projectId` (default target, no policy) is to be held for fair
   * share. Counts the project's ready runs only once this process has seen it near its share,
   * and at most every 200 ms: a quiet project costs no query.
   */
  async shouldHold(projectId: string, kind: string): Promise<boolean> {
    const share = await this.shareOf(kind);
    if (share === undefined) return false;
    const key = `${kind}/${projectId}`;
    const estimate = this.estimates.get(key) ?? { ready: 0, held: false, countedAt: 0 };
    this.estimates.set(key, estimate);
    if (!estimate.held && estimate.ready < share / 2) return false;
    const now = Date.now();
    if (now - estimate.countedAt >= COUNT_TTL_MS) {
      const [ready, queues] = await Promise.all([countReadyRuns(this.db, projectId, kind, share), hasFairHeldRuns(this.db, projectId, kind)]);
      estimate.ready = ready;
      estimate.held = queues;
      estimate.countedAt = now;
      if (!queues && ready < share / 2) this.estimates.delete(key);
    }
    const hold = estimate.held || estimate.ready >= share;
    if (hold) estimate.held = true;
    return hold;
  }

  /** Notes that a run of `kind` in `projectId` was given to its queue by this process. */
  noteDispatched(projectId: string, kind: string): void {
    const estimate = this.estimates.get(`${kind}/${projectId}`);
    if (estimate) estimate.ready += 1;
    else this.estimates.set(`${kind}/${projectId}`, { ready: 1, held: false, countedAt: 0 });
  }

  /**
   * Fills the share of `projectId` in `kind`'s queue from its held runs, oldest first, under the
   * share's lock (two top-ups never both fill it); enqueues what it released. Returns how many.
   */
  async topUp(kind: string, projectId: string): Promise<number> {
    const share = await this.shareOf(kind);
    if (share === undefined) return 0;
    const released = await this.db.transaction().execute(async (trx) => {
      await lockFairShare(trx, kind, projectId);
      const ready = await countReadyRuns(trx, projectId, kind, share);
      return releaseFairHeld(trx, kind, projectId, share - ready);
    });
    await this.dispatch(released);
    return released.length;
  }

  /** The (kind, project) pairs with runs held for fair share, at most `limit`. */
  async heldQueues(limit = 1_000): Promise<{ kind: string; projectId: string }[]> {
    return (await listFairHeldQueues(this.db, limit)).map((row) => ({ kind: row.kind, projectId: row.project_id }));
  }

  private async dispatch(runs: readonly RunRow[]): Promise<void> {
    await Promise.all(
      groupByQueue(runs).map(({ route, runs: ofQueue }) =>
        this.queues.enqueueRuns(route, ofQueue.map((run) => ({ runId: run.id, jobId: run.job_id }))).catch((err: unknown) => {
          this.log.warn({ err, runs: ofQueue.length }, 'enqueue of runs released from their fair share failed; the reconciler will dispatch them');
        }),
      ),
    );
  }
}
