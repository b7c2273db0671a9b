import {
  clearHold,
  countSlots,
  databaseNow,
  findPoliciesById,
  holdRun,
  insertSlots,
  listDueRateHolds,
  listHeldBuckets,
  listHeldRuns,
  nextRateHoldAt,
  listPolicies,
  listSlotHolders,
  lockBuckets,
  readRateWindow,
  recordRateStart,
  toFlowPolicy,
  toJson,
  transitionRuns,
  tryLockBuckets,
  type Db,
  type RateWindow,
  type RunRow,
} from '@runq/db';
import type { Logger } from '@runq/config';
import { FairShare } from './fair-share.js';
import { ServedQueues, servedQueueKey } from './served-queues.js';
import { groupByQueue, type RunQueues } from '@runq/queue';
import {
  DEFAULT_RUNTIME_TARGET,
  parseTargetHoldBucket,
  planAdmission,
  rateDecision,
  targetHoldBucket,
  TRANSITIONS,
  transitionEffects,
  type FlowPolicy,
  type PolicySubject,
  type RunAdmissionPlan,
  type RunStatus,
  type RunTransition,
} from '@runq/runs';

/** Statuses a run enters as it gives up its slots (see `transitionEffects`' `releasesSlots`). */
const FREEING_STATUSES: ReadonlySet<RunStatus> = new Set(
  (Object.keys(TRANSITIONS) as RunTransition[]).filter((name) => transitionEffects(name).releasesSlots).map((name) => TRANSITIONS[name].to),
);

/** The pseudo-policy of `RUNQ_PROJECT_CONCURRENCY`: one bucket per project and kind. */
const PROJECT_POLICY_ID = 'project';

/** What admission decided for a run. */
export type AdmissionDecision =
  | { type: 'admitted' }
  /** Held: for `concurrency`, `waitOn` are the full buckets; for `rate`, `until` is when it may try again. */
  | { type: 'held'; reason: 'concurrency' | 'rate'; until: Date | null; waitOn: string[] }
  /** `cancel_newest`: the run's bucket was full; it was cancelled. */
  | { type: 'refused'; run: RunRow }
  /** Another transaction held one of the run's buckets: nothing was decided. */
  | { type: 'skipped' };

/** The outcome of {@link RunAdmission.admit}: the decision, and the runs a `cancel_in_progress` cancelled for it. */
export interface AdmissionOutcome {
  decision: AdmissionDecision;
  cancelled: RunRow[];
}

/** Options of {@link RunAdmission}. */
export interface RunAdmissionOptions {
  /** `RUNQ_PROJECT_CONCURRENCY`: the most running runs of one project and kind; unset, no bound. */
  projectConcurrency?: number | undefined;
  /** How long a project's policies are reused before being read again (ms). */
  policyCacheMs?: number;
}

/** The policy id a bucket belongs to (bucket ids are `<policy id>/<key value>`). */
function policyIdOf(bucket: string): string {
  return bucket.slice(0, bucket.indexOf('/'));
}

/**
 * Flow-control admission (docs/decisions/0009-flow-control.md): which pending runs may be given
 * to a worker now. Every decision about a bucket is taken under that bucket's lock, after
 * counting its slots, inside the caller's transaction; the caller enqueues what was admitted
 * once the transaction has committed.
 */
export class RunAdmission {
  private readonly cache = new Map<string, { at: number; policies: FlowPolicy[] }>();
  /** Reads of a project's policies in flight: concurrent callers (a batch's runs) share one. */
  private readonly loading = new Map<string, Promise<FlowPolicy[]>>();
  /** The queues live workers serve (routing) and their slots (fair share), read once per second. */
  private readonly servedQueues: ServedQueues;
  /** Fairness between projects for runs no policy limits. */
  readonly fairShare: FairShare;

  constructor(
    private readonly db: Db,
    private readonly queues: RunQueues,
    private readonly log: Logger,
    private readonly options: RunAdmissionOptions = {},
  ) {
    this.servedQueues = new ServedQueues(db);
    this.fairShare = new FairShare(db, this.servedQueues);
  }

  /**
   * What to do once a transaction that freed slots has committed: enqueue the runs it admitted
   * (a lost add is re-done by the reconciler), and release again the buckets it found locked by
   * another transaction (once; after that the repair pass picks them up).
   */
  async afterRelease(released: { admitted: readonly RunRow[]; contended: boolean; buckets: readonly string[] }): Promise<void> {
    await this.dispatch(released.admitted);
    if (!released.contended) return;
    try {
      const again = await this.db.transaction().execute((trx) => this.releaseBuckets(trx, released.buckets));
      await this.dispatch(again.admitted);
    } catch (err) {
      this.log.warn({ err }, 'releasing flow-control slots failed; the reconciler will');
    }
  }

  /**
   * Runs `write` — transitions that may free slots, one row per run in its result — and, when
   * `freesSlots`, admits the runs held for the freed buckets in the same transaction (then
   * enqueues them after commit). Without slots to free, `write` runs as is.
   */
  async withRelease<T extends readonly (Pick<RunRow, 'status' | 'slot_buckets'> | undefined)[]>(
    freesSlots: boolean,
    write: (db: Db) => Promise<T>,
  ): Promise<T> {
    if (!freesSlots) return write(this.db);
    const { rows, released } = await this.db.transaction().execute(async (trx) => {
      const moved = await write(trx);
      const freed = moved.flatMap((run) => (run && FREEING_STATUSES.has(run.status) ? (run.slot_buckets ?? []) : []));
      return { rows: moved, released: await this.releaseBuckets(trx, freed) };
    });
    await this.afterRelease(released);
    return rows;
  }

  /** Enqueues admitted runs, one add per queue; a failure loses nothing (the reconciler dispatches pending admitted runs). */
  async dispatch(runs: readonly RunRow[]): Promise<void> {
    await Promise.all(
      groupByQueue(runs).map(({ route, runs: ofQueue }) =>
        this.queues
          .enqueueRuns(
            route,
            ofQueue.map((run) => ({ runId: run.id, jobId: run.job_id })),
          )
          .catch((err: unknown) => {
            this.log.warn({ err, runs: ofQueue.map((run) => run.id) }, 'enqueue of admitted runs failed; the reconciler will dispatch them');
          }),
      ),
    );
  }

  /** The policies of `projectId`, read at most once per cache period (and once for callers that ask while it is read). */
  async policiesOf(projectId: string): Promise<FlowPolicy[]> {
    const cached = this.cache.get(projectId);
    const now = Date.now();
    if (cached && now - cached.at < (this.options.policyCacheMs ?? 1_000)) return cached.policies;
    const pending = this.loading.get(projectId);
    if (pending) return pending;
    const load = listPolicies(this.db, [projectId])
      .then((rows) => {
        const policies = rows.map(toFlowPolicy);
        this.cache.set(projectId, { at: now, policies });
        return policies;
      })
      .finally(() => this.loading.delete(projectId));
    this.loading.set(projectId, load);
    return load;
  }

  /**
   * Whether a live worker process serves runs of `kind` for runtime `target` (read at most once
   * per cache period). The default target is always taken as served: its runs queue up for
   * whichever worker comes, as they always have.
   */
  async isServed(kind: string, target: string): Promise<boolean> {
    return target === DEFAULT_RUNTIME_TARGET || (await this.servedQueues.slotsOf(kind, target)) !== undefined;
  }

  /**
   * Holds new run `run` (inserted in `trx`) until a worker serving its runtime target is up:
   * pending with reason `no_worker`, waiting in its target's hold bucket.
   */
  async holdForWorker(trx: Db, run: RunRow, target: string): Promise<void> {
    await holdRun(trx, run.id, { reason: 'no_worker', until: null, waitOn: [targetHoldBucket(run.kind, target)], orderAt: run.order_at ?? run.created_at });
  }

  /**
   * Releases the runs held for want of a worker for the queues `served` (a worker serving them
   * is up): each goes through flow-control admission when a policy applies to it, else is
   * admitted at once; then they are enqueued. Returns how many were admitted.
   */
  async releaseServed(served: readonly { kind: string; target: string }[]): Promise<number> {
    let admitted = 0;
    for (const { kind, target } of served) {
      if (target === DEFAULT_RUNTIME_TARGET) continue;
      const bucket = targetHoldBucket(kind, target);
      for (;;) {
        const runs = await this.db.transaction().execute(async (trx) => {
          if (!(await tryLockBuckets(trx, [bucket]))) return [];
          const released: RunRow[] = [];
          for (const run of await listHeldRuns(trx, bucket, 100)) {
            if (run.slot_buckets === null && run.rate_buckets === null) {
              await clearHold(trx, run.id);
              released.push(run);
            } else if ((await this.admit(trx, run, { wait: false, isNew: false })).decision.type === 'admitted') {
              released.push(run);
            }
          }
          return released;
        });
        admitted += runs.length;
        await this.dispatch(runs);
        if (runs.length < 100) break;
      }
    }
    return admitted;
  }

  /** Forgets the cached policies of `projectId` (after this process changed them). */
  forget(projectId: string): void {
    this.cache.delete(projectId);
  }

  /**
   * What flow control means for a new worker-executed run of `projectId`: its buckets, order and
   * expiry; undefined when nothing limits it (no policy matches and no project bound is set), in
   * which case it is admitted as it is created.
   */
  async plan(projectId: string, run: PolicySubject): Promise<RunAdmissionPlan | undefined> {
    const policies = await this.policiesOf(projectId);
    const plan = planAdmission(run, policies);
    const bound = this.options.projectConcurrency;
    if (bound !== undefined) plan.slots.push({ policyId: PROJECT_POLICY_ID, bucket: `${PROJECT_POLICY_ID}/${projectId}:${run.kind}` });
    return plan.policies.length === 0 && plan.slots.length === 0 ? undefined : plan;
  }

  /**
   * Decides whether pending `run` may start, under the locks of its buckets (waited for when
   * `wait`, else tried: a taken lock means `skipped`). When it may, its slots and rate starts are
   * written and any hold ends; otherwise it is held with the reason. A new run whose bucket is
   * full is refused (and cancelled) under `cancel_newest`, or cancels the bucket's runs under
   * `cancel_in_progress`; a run admitted again (resumed, released) simply waits its turn.
   */
  async admit(trx: Db, run: RunRow, options: { wait: boolean; isNew: boolean }): Promise<AdmissionOutcome> {
    const slotBuckets = run.slot_buckets ?? [];
    const rateBuckets = run.rate_buckets ?? [];
    const buckets = [...slotBuckets, ...rateBuckets];
    if (options.wait) await lockBuckets(trx, buckets);
    else if (!(await tryLockBuckets(trx, buckets))) return { decision: { type: 'skipped' }, cancelled: [] };
    const policies = await this.currentPolicies(trx, buckets);
    const now = await databaseNow(trx);

    const limited = slotBuckets.flatMap((bucket) => {
      const concurrency = policies.get(policyIdOf(bucket))?.concurrency;
      return concurrency ? [{ bucket, ...concurrency }] : [];
    });
    const full: typeof limited = [];
    for (const slot of limited) if ((await countSlots(trx, slot.bucket)) >= slot.limit) full.push(slot);

    const cancelled: RunRow[] = [];
    if (options.isNew && full.some((slot) => slot.strategy === 'cancel_newest')) {
      const error = { message: 'the concurrency limit of its policy was reached', code: 'concurrency_limit' };
      const [refused] = await transitionRuns(trx, [{ runId: run.id, transition: 'cancel', set: { error: toJson(error) }, data: { error } }]);
      return { decision: refused ? { type: 'refused', run: refused } : { type: 'skipped' }, cancelled };
    }
    if (options.isNew) {
      const victims = full.filter((slot) => slot.strategy === 'cancel_in_progress');
      for (const slot of victims) cancelled.push(...(await this.cancelHolders(trx, slot.bucket, run.id)));
      for (const slot of victims) if ((await countSlots(trx, slot.bucket)) < slot.limit) full.splice(full.indexOf(slot), 1);
    }
    const orderAt = run.order_at ?? run.created_at;
    if (full.length > 0) {
      await holdRun(trx, run.id, { reason: 'concurrency', until: null, waitOn: full.map((slot) => slot.bucket), orderAt });
      return { decision: { type: 'held', reason: 'concurrency', until: null, waitOn: full.map((slot) => slot.bucket) }, cancelled };
    }

    const windows: { bucket: string; window: RateWindow }[] = [];
    let retryAt = 0;
    for (const bucket of rateBuckets) {
      const rate = policies.get(policyIdOf(bucket))?.rate;
      if (!rate) continue;
      const window = await readRateWindow(trx, bucket, rate.max);
      const decision = rateDecision(window.replacedStart?.getTime() ?? null, now.getTime(), rate.perMs);
      if (decision.allowed) windows.push({ bucket, window });
      else retryAt = Math.max(retryAt, decision.retryAt);
    }
    if (retryAt > 0) {
      const until = new Date(retryAt);
      await holdRun(trx, run.id, { reason: 'rate', until, waitOn: [], orderAt });
      return { decision: { type: 'held', reason: 'rate', until, waitOn: [] }, cancelled };
    }

    await insertSlots(
      trx,
      run.id,
      limited.map((slot) => slot.bucket),
    );
    for (const { bucket, window } of windows) await recordRateStart(trx, bucket, window, now);
    if (run.hold_reason !== null) await clearHold(trx, run.id);
    return { decision: { type: 'admitted' }, cancelled };
  }

  /**
   * After the slots of `buckets` were given up (in `trx`), admits the runs held for them, first
   * in order first, while the buckets have room. Returns the runs admitted (to enqueue after
   * commit) and whether a bucket was locked by another transaction (its release is then left to
   * that transaction, or to a pass after commit).
   */
  async releaseBuckets(trx: Db, buckets: readonly string[]): Promise<{ admitted: RunRow[]; contended: boolean; buckets: string[] }> {
    const admitted: RunRow[] = [];
    let contended = false;
    for (const bucket of [...new Set(buckets)].sort()) {
      if (!(await tryLockBuckets(trx, [bucket]))) {
        contended = true;
        continue;
      }
      const seen = new Set<string>();
      let full = false;
      while (!full) {
        const candidates = (await listHeldRuns(trx, bucket, 16)).filter((run) => !seen.has(run.id));
        if (candidates.length === 0) break;
        for (const run of candidates) {
          seen.add(run.id);
          const { decision } = await this.admit(trx, run, { wait: false, isNew: false });
          if (decision.type === 'admitted') admitted.push(run);
          else if (decision.type === 'skipped') contended = true;
          else if (decision.type === 'held' && decision.waitOn.includes(bucket)) {
            // This bucket is full again: the runs behind wait for the next release.
            full = true;
            break;
          }
        }
      }
    }
    return { admitted, contended, buckets: [...buckets] };
  }

  /**
   * Admits the runs held for a rate whose window has reopened (each in its own transaction,
   * skipping a run whose bucket another transaction holds), and says when the next one is due.
   */
  async admitDueRateHolds(limit = 100): Promise<{ admitted: number; nextDueAt: Date | undefined }> {
    let admitted = 0;
    for (const run of await listDueRateHolds(this.db, limit)) {
      const outcome = await this.db.transaction().execute((trx) => this.admit(trx, run, { wait: false, isNew: false }));
      if (outcome.decision.type === 'admitted') {
        admitted += 1;
        await this.dispatch([run]);
      }
    }
    return { admitted, nextDueAt: await nextRateHoldAt(this.db) };
  }

  /**
   * Repairs releases that were lost (a process died between freeing a slot and admitting the
   * next run, or the bucket was contended twice): every bucket with held runs and room gets its
   * release now. Returns how many runs were admitted.
   */
  async repairHolds(limit = 100): Promise<number> {
    let admitted = 0;
    const buckets = await listHeldBuckets(this.db, limit);
    const waitingForWorkers = buckets.flatMap((bucket) => parseTargetHoldBucket(bucket) ?? []);
    if (waitingForWorkers.length > 0) {
      const served = await ServedQueues.read(this.db);
      admitted += await this.releaseServed(waitingForWorkers.filter((queue) => served.has(servedQueueKey(queue.kind, queue.target))));
    }
    for (const bucket of buckets) {
      if (parseTargetHoldBucket(bucket)) continue;
      const released = await this.db.transaction().execute(async (trx) => {
        if (!(await tryLockBuckets(trx, [bucket]))) return undefined;
        const concurrency = (await this.currentPolicies(trx, [bucket])).get(policyIdOf(bucket))?.concurrency;
        if (concurrency && (await countSlots(trx, bucket)) >= concurrency.limit) return undefined;
        return this.releaseBuckets(trx, [bucket]);
      });
      if (!released) continue;
      admitted += released.admitted.length;
      await this.dispatch(released.admitted);
    }
    return admitted;
  }

  /** The policies that limit `buckets`, read now (their current limits), by id. */
  private async currentPolicies(trx: Db, buckets: readonly string[]): Promise<Map<string, FlowPolicy>> {
    const ids = [...new Set(buckets.map(policyIdOf))];
    const policies = new Map<string, FlowPolicy>();
    for (const row of await findPoliciesById(
      trx,
      ids.filter((id) => id !== PROJECT_POLICY_ID),
    ))
      policies.set(row.id, toFlowPolicy(row));
    const bound = this.options.projectConcurrency;
    if (ids.includes(PROJECT_POLICY_ID) && bound !== undefined) {
      policies.set(PROJECT_POLICY_ID, {
        id: PROJECT_POLICY_ID,
        name: 'RUNQ_PROJECT_CONCURRENCY',
        match: { kind: null, target: null },
        concurrency: { key: null, limit: bound, strategy: 'queue' },
        rate: null,
        priority: 0,
        ttlMs: null,
      });
    }
    return policies;
  }

  /** Cancels the runs holding slots in `bucket` (but `exceptRunId`), with their events. */
  private async cancelHolders(trx: Db, bucket: string, exceptRunId: string): Promise<RunRow[]> {
    const holders = (await listSlotHolders(trx, bucket)).filter((id) => id !== exceptRunId);
    const data = { cancelled_by: exceptRunId, reason: 'cancel_in_progress' };
    const moved = await transitionRuns(
      trx,
      holders.map((runId) => ({ runId, transition: 'cancel' as const, data })),
    );
    return moved.filter((run): run is RunRow => run !== undefined);
  }
}
