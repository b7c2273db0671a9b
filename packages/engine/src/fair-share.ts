import { countReadyRuns, type Db } from '@runq/db';
import { DEFAULT_RUNTIME_TARGET } from '@runq/runs';
import type { ServedQueues } from './served-queues.js';

/** How long a project's counted ready runs are trusted before being counted again (ms). */
const COUNT_TTL_MS = 200;
/** The deepest backlog counted exactly; deeper runs share the last places. */
const MAX_COUNTED = 100_000;
/** A project's estimate that placed no run for this long is dropped: the map holds the projects that create runs (ms). */
const IDLE_MS = 10_000;

/** What this process knows of one project's ready runs of one kind. */
interface ReadyEstimate {
  /** Ready runs at the last count, plus the runs this process queued since. */
  ready: number;
  countedAt: number;
  /**
   * In the backlog regime: from the count that found a full share until one finds less than half
   * of one, the project's runs go to the backlog lane, so that a backlog hovering around the
   * share does not send runs back and forth between the lanes (out of order).
   */
  backlogged: boolean;
  /** When this process last placed a run of the project (ms). */
  placedAt: number;
}

/**
 * Fairness between projects (docs/decisions/0017-fair-share.md). A kind's queue (default
 * target) has as many slots as the live workers serving it: a project's share. A project's runs
 * within its share go to the queue's main lane (BullMQ's unprioritised jobs, which workers take
 * first); a run beyond it goes to the backlog lane (a prioritised job) at its depth in its
 * project's backlog, so that the backlogs of several projects interleave, one run of each per
 * depth. A quiet project's new run thus waits behind at most a share of each busy project, and a
 * project alone keeps every slot busy: nothing is held back, only ordered.
 */
export class FairShare {
  private readonly estimates = new Map<string, ReadyEstimate>();
  private sweptAt = 0;

  constructor(
    private readonly db: Db,
    private readonly served: ServedQueues,
  ) {}

  /** The share of a project in `kind`'s queue: the slots live workers have on it (undefined: no worker). */
  shareOf(kind: string): Promise<number | undefined> {
    return this.served.slotsOf(kind, DEFAULT_RUNTIME_TARGET);
  }

  /**
   * The backlog-lane priority of a new run of `kind` in `projectId` (default target, no policy),
   * or undefined for the main lane; counts it as queued. The project's ready runs are counted
   * only once this process has queued half a share of them since the last count, and at most
   * once per `COUNT_TTL_MS`: a quiet project costs no query.
   */
  async placeOf(projectId: string, kind: string): Promise<number | undefined> {
    const share = await this.shareOf(kind);
    if (share === undefined) return undefined;
    const now = Date.now();
    this.sweep(now);
    const key = `${kind}/${projectId}`;
    let estimate = this.estimates.get(key);
    if (!estimate) {
      estimate = { ready: 0, countedAt: 0, backlogged: false, placedAt: now };
      this.estimates.set(key, estimate);
    }
    estimate.placedAt = now;
    if ((estimate.backlogged || estimate.ready >= share / 2) && now - estimate.countedAt >= COUNT_TTL_MS) {
      // Marked counted before the count: runs placed meanwhile (a batch's) do not count again.
      estimate.countedAt = now;
      estimate.ready = await countReadyRuns(this.db, projectId, kind, MAX_COUNTED);
      if (estimate.ready >= share) estimate.backlogged = true;
      else if (estimate.ready < share / 2) estimate.backlogged = false;
    }
    const depth = estimate.ready - share + 1;
    estimate.ready += 1;
    // The queue caps a depth at its lowest place (`runJobOptions`).
    if (estimate.backlogged) return Math.max(depth, 1);
    return depth > 0 ? depth : undefined;
  }

  /**
   * Drops the estimates of projects that placed no run for `IDLE_MS`, at most once per
   * `IDLE_MS`. Only an idle estimate goes: one dropped while its project still creates runs
   * would start again from none ready, and send a backlog's runs to the main lane.
   */
  private sweep(now: number): void {
    if (now - this.sweptAt < IDLE_MS) return;
    this.sweptAt = now;
    for (const [key, estimate] of this.estimates) if (now - estimate.placedAt >= IDLE_MS) this.estimates.delete(key);
  }
}
