import { MicroBatcher, settleBounded, withTimeout } from '@runq/async';
import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import type { CreateRunRequest } from '@runq/contract';
import {
  addEventData,
  findConversation,
  findRunByPublicId,
  findRunsByPublicIds,
  insertConversationIfAbsent,
  insertMessage,
  insertRun,
  insertRuns,
  newRunRow,
  notifyRunsCancelled,
  RUN_INSERT_BATCHING,
  toJson,
  type Db,
  type RunRow,
  type RunToInsert,
} from '@runq/db';
import { groupByQueue, routeOf, type RunQueues } from '@runq/queue';
import { NO_TRACING, type RunTracing } from '@runq/tracing';
import { ConversationNotFoundError, IdempotencyConflictError, DEFAULT_RUNTIME_TARGET, runtimeTargetOf, type RunOwnerKind, type TriggerKind } from '@runq/runs';
import type { RunAdmission } from './run-admission.js';
import { NO_CONVERSATION, RunOwnership, type RunCreator } from './run-ownership.js';
import { admissionSubject, eventDataOf, isPlain, isPrepared, publicIdKey, type PreparedRun, type StoredRun } from './prepared-run.js';
import { requestHash } from './request-hash.js';
import { requestedRunFields } from './run-fields.js';

export type { RunCreator } from './run-ownership.js';

/** Where a run comes from, when not from a plain `POST /runs` (`trigger_kind` `api`). */
export interface RunTrigger {
  kind: TriggerKind;
  /** The occurrence, delivery or original run that caused it. */
  id?: string | null;
  scheduleId?: string | null;
}

/** How a run of a schedule, a webhook, a batch or a replay is created (see {@link RunIngest.createRun}). */
export interface RunCreationOptions {
  /** Created held (`schedule`): not admitted nor queued until its schedule releases it. */
  holdReason?: 'schedule';
  /** Cancelled with error code `expired` when not started by then. */
  expiresAt?: Date | null;
  /** The batch the run belongs to (`runs.batch_id`), over any `batch_id` of the body. */
  batchId?: string;
  /** Metadata added to the body's (a replay's `replay_of`). */
  metadata?: Record<string, unknown>;
  /** The request stored as the run's (`runs.request`), when not the body itself. */
  request?: unknown;
  /**
   * Writes what must exist exactly when the run does (a webhook's delivery row), in the
   * transaction that inserts the run; throwing rolls both back and rejects `createRun`.
   */
  alongside?: (trx: Db, run: RunRow) => Promise<void>;
}

/** One run of {@link RunIngest.createRuns}: its body, and where it comes from and how it is created when not as a plain `POST /runs`. */
export interface RunToCreate {
  body: CreateRunRequest;
  trigger?: RunTrigger;
  options?: RunCreationOptions;
}

/** The outcome of {@link RunIngest.createRun}. */
export interface CreatedRun {
  run: RunRow;
  duplicate: boolean;
}

/** A run to put on its queue, with its place in the backlog lane when it has one (fair share). */
interface Dispatch {
  run: RunRow;
  priority: number | undefined;
}

/** The trigger of a run created by `POST /runs`. */
const API_TRIGGER: RunTrigger = { kind: 'api' };

/** Items of one {@link RunIngest.createRuns} call resolved at once (those that query: parents, conversations). */
const PREPARE_CONCURRENCY = 16;

/** How long an API request waits for the queue before leaving the run to the reconciler. */
const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * Run ingest: validates ownership, resolves parent and conversation, stores the run and its
 * first event durably, then hands it to the queue of its kind.
 */
export class RunIngest {
  /** Plain runs (no conversation to create or message to add) are inserted in shared statements. */
  private readonly ownership: RunOwnership;
  private readonly inserts: MicroBatcher<RunToInsert, RunRow | undefined>;
  /** Stored runs are queued in shared `addBulk` calls. */
  private readonly dispatches: MicroBatcher<Dispatch, void>;

  constructor(
    private readonly db: Db,
    private readonly queues: RunQueues,
    private readonly log: Logger,
    private readonly admission: RunAdmission,
    private readonly metrics?: RunqMetrics,
    private readonly tracing: RunTracing = NO_TRACING,
  ) {
    this.ownership = new RunOwnership(db);
    this.inserts = new MicroBatcher({
      runBatch: (entries) => insertRuns(db, entries),
      ...RUN_INSERT_BATCHING,
    });
    this.dispatches = new MicroBatcher({
      runBatch: async (dispatches) => {
        await Promise.all(
          groupByQueue(dispatches, (dispatch) => dispatch.run).map(({ route, runs: ofQueue }) =>
            queues.enqueueRuns(
              route,
              ofQueue.map(({ run, priority }) => ({ runId: run.id, jobId: run.job_id, priority })),
            ),
          ),
        );
        return dispatches.map(() => undefined);
      },
      runOne: ({ run, priority }) => queues.enqueueRun(routeOf(run), run.id, { jobId: run.job_id, priority }),
      ...queues.dispatchBatching,
    });
  }

  /**
   * Creates a run, or returns the existing one when `public_id` is replayed with the same
   * body (a different body is an {@link IdempotencyConflictError}). With tracing on, creating
   * and dispatching the run is one producer span, whose context is stored with the run.
   */
  async createRun(caller: RunCreator, body: CreateRunRequest, trigger: RunTrigger = API_TRIGGER, options: RunCreationOptions = {}): Promise<CreatedRun> {
    const span = this.tracing.startDispatch(body.kind);
    if (!span) return this.create(caller, body, trigger, options, null);
    try {
      const created = await this.create(caller, body, trigger, options, span.traceparent);
      span.end({ id: created.run.id, duplicate: created.duplicate });
      return created;
    } catch (error) {
      span.fail(error);
      throw error;
    }
  }

  private async create(
    caller: RunCreator,
    body: CreateRunRequest,
    trigger: RunTrigger,
    options: RunCreationOptions,
    traceparent: string | null,
  ): Promise<CreatedRun> {
    const prepared = await this.prepare(caller, body, trigger, options, traceparent);
    if (!isPrepared(prepared)) return prepared;
    const stored = await this.store(prepared);
    const { created, dispatch } = await this.finish(prepared, stored);
    if (dispatch) await this.dispatch(created.run, dispatch.priority);
    return created;
  }

  /**
   * Creates runs from many bodies at once (a batch, a bulk replay): every body is checked and
   * resolved on its own, the plain runs among them are inserted in one statement, and the
   * runs to queue are added with one bulk add per queue. One settled result per body, in order:
   * a body that fails (its project, its parent, its `public_id` reused with another body)
   * fails only itself.
   */
  async createRuns(caller: RunCreator, items: readonly RunToCreate[]): Promise<PromiseSettledResult<CreatedRun>[]> {
    const known = await this.findPublicIds(items);
    const prepared = await settleBounded(items, PREPARE_CONCURRENCY, (item) =>
      this.prepare(caller, item.body, item.trigger ?? API_TRIGGER, item.options ?? {}, null, known),
    );
    const plain = prepared.flatMap((result, index) =>
      result.status === 'fulfilled' && isPrepared(result.value) && isPlain(result.value) ? [{ index, prepared: result.value }] : [],
    );
    const inserted = await insertRuns(
      this.db,
      plain.map(({ prepared: entry }) => ({ run: entry.row, eventData: eventDataOf(entry.row, undefined) })),
    );
    const plainStored = new Map(plain.map(({ index }, at) => [index, inserted[at]]));
    const finished = await Promise.allSettled(
      prepared.map(async (result, index): Promise<{ created: CreatedRun; dispatch?: { priority: number | undefined } | undefined }> => {
        if (result.status === 'rejected') throw result.reason;
        const entry = result.value;
        if (!isPrepared(entry)) return { created: entry };
        const run = plainStored.has(index) ? plainStored.get(index) : undefined;
        const stored = plainStored.has(index) ? run && { run, cancelled: [] } : await this.store(entry);
        return this.finish(entry, stored);
      }),
    );
    const dispatches = finished.flatMap((result) =>
      result.status === 'fulfilled' && result.value.dispatch ? [{ run: result.value.created.run, priority: result.value.dispatch.priority }] : [],
    );
    await this.dispatchMany(dispatches);
    return finished.map((result) => (result.status === 'fulfilled' ? { status: 'fulfilled', value: result.value.created } : result));
  }

  /**
   * Everything before the write: ownership, idempotency (an existing run with the same
   * `public_id` is returned as a duplicate), parent, conversation, admission plan and routing.
   */
  private async prepare(
    caller: RunCreator,
    body: CreateRunRequest,
    trigger: RunTrigger,
    options: RunCreationOptions,
    traceparent: string | null,
    known?: ReadonlyMap<string, RunRow>,
  ): Promise<PreparedRun | CreatedRun> {
    const owner = { kind: body.owner.kind as RunOwnerKind, id: body.owner.id.toLowerCase() };
    const projectId = await this.ownership.project(caller, owner);
    // Only a replayed public_id compares bodies, so only a run with one keeps its body's hash.
    const idempotency = body.public_id === undefined ? undefined : { publicId: body.public_id, hash: requestHash(body) };
    if (idempotency) {
      // Looked up beforehand for a whole batch (`known`), after the caller's ownership was checked.
      const existing = known ? known.get(publicIdKey(owner, idempotency.publicId)) : await findRunByPublicId(this.db, owner, idempotency.publicId);
      if (existing) return this.replay(existing, idempotency);
    }
    const parent = body.parent_run_id === undefined ? undefined : await this.ownership.parent(caller, body.parent_run_id);
    // A `trigger` only records where the run came from (kept in `metadata`): it links the run
    // to nothing, so it is neither checked nor reported as the run's conversation.
    const plan = body.kind === 'agent' ? await this.ownership.conversation(caller, body, owner, projectId) : NO_CONVERSATION;
    const { executedByCaller, ...columns } = requestedRunFields(body);
    // A batch's runs carry its id; a replay's metadata names its original.
    if (options.batchId !== undefined) columns.batch_id = options.batchId;
    if (options.metadata !== undefined) columns.metadata = { ...columns.metadata, ...options.metadata };
    const row = newRunRow({
      creation: executedByCaller ? 'start' : 'create',
      projectId,
      kind: body.kind,
      owner,
      request: options.request ?? body,
      columns,
      idempotency,
      parent,
      conversation: { conversationId: plan.conversationId, messageId: plan.messageId },
      trigger,
      createdBy: caller.name,
      expiresAt: options.expiresAt ?? null,
      holdReason: options.holdReason ?? null,
    });
    row.traceparent = traceparent;
    const admission = row.executor === 'worker' ? await this.admission.plan(projectId, admissionSubject(row, columns.metadata)) : undefined;
    if (admission) {
      row.slot_buckets = admission.slots.length > 0 ? admission.slots.map((slot) => slot.bucket) : null;
      row.rate_buckets = admission.rates.length > 0 ? admission.rates.map((rate) => rate.bucket) : null;
      row.order_at = admission.orderAt;
    }
    // A policy's ttl and a schedule's run_ttl are one mechanism: the earlier expiry wins.
    if (admission?.expiresAt && (row.expires_at === null || row.expires_at === undefined || admission.expiresAt < new Date(row.expires_at))) {
      row.expires_at = admission.expiresAt;
    }
    const target = runtimeTargetOf(row);
    const heldBySchedule = options.holdReason !== undefined;
    // A run for a runtime target no live worker serves waits, held, rather than sit unseen in a queue.
    const unserved = !heldBySchedule && row.executor === 'worker' && !(await this.admission.isServed(row.kind, target)) ? target : undefined;
    // Runs no policy limits share their queue fairly between projects.
    const fairShare = !heldBySchedule && row.executor === 'worker' && target === DEFAULT_RUNTIME_TARGET && !admission;
    // A run held by its schedule is admitted when the schedule releases it, not now.
    return {
      owner,
      projectId,
      idempotency,
      row,
      plan,
      admission: heldBySchedule ? undefined : admission,
      unserved,
      fairShare,
      alongside: options.alongside,
    };
  }

  /** After the write: the idempotent race, metrics, the runs a policy cancelled, and whether (and where) to queue the run. */
  private async finish(
    prepared: PreparedRun,
    stored: StoredRun | undefined,
  ): Promise<{ created: CreatedRun; dispatch?: { priority: number | undefined } | undefined }> {
    const { idempotency, owner } = prepared;
    const created = stored?.run;
    if (!stored || !created) {
      // Another request with the same public_id won the race between our lookup and insert
      // (only a run with a public_id can conflict).
      const existing = idempotency && (await findRunByPublicId(this.db, owner, idempotency.publicId));
      if (!idempotency || !existing) throw new Error('idempotent insert conflicted but no run was found');
      return { created: await this.replay(existing, idempotency) };
    }
    this.metrics?.runsCreated.inc({ kind: created.kind });
    this.metrics?.observeTransition(created);
    await this.stopCancelled(stored.cancelled);
    if (created.status !== 'pending' || created.executor !== 'worker' || created.hold_reason !== null) return { created: { run: created, duplicate: false } };
    const priority = prepared.fairShare ? await this.admission.fairShare.placeOf(prepared.projectId, created.kind) : undefined;
    return { created: { run: created, duplicate: false }, dispatch: { priority } };
  }

  /** The existing runs of the `public_id`s of `items`, keyed by {@link publicIdKey}: one statement per owner. */
  private async findPublicIds(items: readonly RunToCreate[]): Promise<Map<string, RunRow>> {
    const byOwner = new Map<string, { owner: { kind: RunOwnerKind; id: string }; publicIds: string[] }>();
    for (const { body } of items) {
      if (body.public_id === undefined) continue;
      const owner = { kind: body.owner.kind as RunOwnerKind, id: body.owner.id.toLowerCase() };
      const key = `${owner.kind}/${owner.id}`;
      const entry = byOwner.get(key) ?? { owner, publicIds: [] };
      entry.publicIds.push(body.public_id);
      byOwner.set(key, entry);
    }
    const found = await Promise.all([...byOwner.values()].map(({ owner, publicIds }) => findRunsByPublicIds(this.db, owner, publicIds)));
    return new Map(found.flat().map((run) => [publicIdKey({ kind: run.owner_kind, id: run.owner_id }, run.public_id ?? ''), run]));
  }

  /** Queues many runs with one bulk add per queue; as with {@link dispatch}, a failure is left to the reconciler. */
  private async dispatchMany(dispatches: readonly Dispatch[]): Promise<void> {
    await Promise.all(
      groupByQueue(dispatches, (dispatch) => dispatch.run).map(async ({ route, runs: ofQueue }) => {
        try {
          await withTimeout(
            this.queues.enqueueRuns(
              route,
              ofQueue.map(({ run, priority }) => ({ runId: run.id, jobId: run.job_id, priority })),
            ),
            ENQUEUE_TIMEOUT_MS,
            () => new Error(`timed out after ${ENQUEUE_TIMEOUT_MS} ms`),
          );
        } catch (error) {
          this.log.warn({ runs: ofQueue.length, err: error }, 'bulk enqueue failed; the reconciler will dispatch the runs');
        }
      }),
    );
  }

  /** Stops the runs a new run's `cancel_in_progress` policy cancelled: their queued jobs go (running ones were told by NOTIFY). */
  private async stopCancelled(cancelled: readonly RunRow[]): Promise<void> {
    for (const run of cancelled) this.metrics?.observeTransition(run);
    await Promise.all(
      cancelled
        .filter((run) => run.previous_status === 'pending')
        .map((run) =>
          this.queues
            .removeRun(routeOf(run), run.job_id)
            .catch((err: unknown) => this.log.warn({ err, runId: run.id }, 'removing a cancelled run from its queue failed')),
        ),
    );
  }

  /**
   * Stores the run with its first event, plus the conversation and message when there are any,
   * atomically; with an admission plan, flow control decides in the same transaction whether it
   * may start (see {@link RunAdmission.admit}). A run whose runtime target has no live worker
   * (`unserved`) is held for one instead; admission comes when it is released. `alongside`
   * writes in the same transaction. Undefined when its `public_id` is taken.
   */
  private async store(prepared: PreparedRun): Promise<StoredRun | undefined> {
    const { row, plan, admission, unserved: unservedTarget, alongside } = prepared;
    const eventData = eventDataOf(row, admission);
    if (isPlain(prepared)) {
      const run = await this.inserts.submit({ run: row, eventData });
      return run && { run, cancelled: [] };
    }
    return this.db
      .transaction()
      .execute(async (trx): Promise<StoredRun> => {
        if (plan.create) {
          // Two requests may create the same named conversation at once: the second reuses it,
          // which must then be one of the caller's (404 otherwise).
          await insertConversationIfAbsent(trx, { id: plan.create.id, project_id: plan.create.projectId, created_by: row.created_by ?? null });
          if (!(await findConversation(trx, plan.create.id, plan.create.visibleTo))) throw new ConversationNotFoundError(plan.create.id);
        }
        const run = await insertRun(trx, row, eventData);
        // A replayed public_id: throwing rolls back the conversation created above.
        if (!run) throw new PublicIdTaken();
        await alongside?.(trx, run);
        if (plan.message && plan.conversationId && plan.messageId) {
          await insertMessage(trx, {
            id: plan.messageId,
            conversation_id: plan.conversationId,
            run_id: run.id,
            role: 'user',
            content: toJson(plan.message.content),
          });
        }
        if (unservedTarget) {
          await this.admission.holdForWorker(trx, run, unservedTarget);
          await addEventData(trx, run.id, run.event_seq, { held: 'no_worker', runtime_target: unservedTarget });
          return { run: { ...run, hold_reason: 'no_worker' }, cancelled: [] };
        }
        if (!admission) return { run, cancelled: [] };
        return this.admitNew(trx, run);
      })
      .catch((error: unknown) => {
        if (error instanceof PublicIdTaken) return undefined;
        throw error;
      });
  }

  /** Flow control's decision for a run just inserted in `trx`, with the run as it then stands. */
  private async admitNew(trx: Db, run: RunRow): Promise<StoredRun> {
    const { decision, cancelled } = await this.admission.admit(trx, run, { wait: true, isNew: true });
    const wasRunning = cancelled.filter((victim) => victim.previous_status === 'running').map((victim) => victim.id);
    await notifyRunsCancelled(trx, wasRunning);
    switch (decision.type) {
      case 'held':
        await addEventData(trx, run.id, run.event_seq, { held: decision.reason, ...(decision.until ? { hold_until: decision.until.toISOString() } : {}) });
        return { run: { ...run, hold_reason: decision.reason, hold_until: decision.until }, cancelled };
      case 'refused':
        return { run: decision.run, cancelled };
      case 'admitted':
      case 'skipped':
        return { run, cancelled };
    }
  }

  /**
   * Adds the run to its queue. A failure here loses nothing: the run is committed as
   * `pending`, and the reconciler enqueues pending runs that are missing from the queue.
   */
  async dispatch(run: RunRow, priority?: number): Promise<void> {
    try {
      await withTimeout(this.dispatches.submit({ run, priority }), ENQUEUE_TIMEOUT_MS, () => new Error(`timed out after ${ENQUEUE_TIMEOUT_MS} ms`));
    } catch (error) {
      this.log.warn({ runId: run.id, err: error }, 'enqueue failed; the reconciler will dispatch the run');
    }
  }

  private async replay(existing: RunRow, idempotency: { publicId: string; hash: string }): Promise<CreatedRun> {
    if (existing.request_hash !== idempotency.hash) throw new IdempotencyConflictError(idempotency.publicId, existing.id);
    if (existing.status === 'pending' && existing.executor === 'worker' && existing.hold_reason === null) await this.dispatch(existing);
    return { run: existing, duplicate: true };
  }
}

/** Internal signal: the run insert hit an existing public_id inside a transaction. */
class PublicIdTaken extends Error {}
