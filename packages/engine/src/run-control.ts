import { randomUUID } from 'node:crypto';
import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import type { CompleteRunBody, FailRunBody, WaitRunBody } from '@runq/contract';
import {
  findRun,
  listRunTree,
  lockExpiredRuns,
  markOccurrencesExpired,
  notifyRunsCancelled,
  toJson,
  transitionRun,
  transitionRuns,
  type Db,
  type RunRow,
  type TransitionRequest,
} from '@runq/db';
import { routeOf, type RunQueues } from '@runq/queue';
import type { RunAdmission } from './run-admission.js';
import type { RunCreator } from './run-ingest.js';
import { InvalidTransitionError, RunNotFoundError, isTerminalStatus, newDispatchId, type RunTransition } from '@runq/runs';

/** Who acts on a run: the projects whose runs it may change, and the name its events record. */
export type RunActor = RunCreator;

/**
 * Run control: cancel (with descendants), resume, and the reports of runs the caller executes
 * itself. Each change is one transition of the table in `@runq/runs`, scoped to the actor's
 * projects; a run outside them is {@link RunNotFoundError}, a run in the wrong state
 * {@link InvalidTransitionError}.
 */
export class RunControl {
  constructor(
    private readonly db: Db,
    private readonly queues: RunQueues,
    private readonly log: Logger,
    private readonly admission: RunAdmission,
    private readonly metrics?: RunqMetrics,
  ) {}

  /**
   * Cancels a run and every non-terminal descendant in the caller's projects (a descendant
   * created by a key that also sees another project may live there: it is not the caller's to
   * cancel). Queued jobs are removed; workers running an attempt of one of them are told at
   * once (Postgres NOTIFY) and abort its handler.
   */
  async cancel(caller: RunActor, runId: string): Promise<RunRow> {
    const root = await findRun(this.db, runId, caller.projectIds);
    if (!root) throw new RunNotFoundError(runId);
    if (isTerminalStatus(root.status)) throw new InvalidTransitionError(runId, 'cancel', root.status);
    const data = { cancelled_by: caller.name };
    const { cancelled, released } = await this.db.transaction().execute(async (trx) => {
      // The run itself first: when it finished meanwhile, the answer is 409 and nothing else
      // changes (its descendants included).
      const outcome = await transitionRun(trx, { runId: root.id, projectIds: caller.projectIds, transition: 'cancel', data });
      if (!outcome.moved) throw new InvalidTransitionError(runId, 'cancel', outcome.run?.status ?? 'cancelled');
      const moved: RunRow[] = [outcome.run];
      const descendants = (await listRunTree(trx, root.id)).filter((run) => run.id !== root.id && !isTerminalStatus(run.status));
      const writes = descendants.map((run) => ({ runId: run.id, transition: 'cancel' as const, data: { ...data, cancelled_with: root.id } }));
      for (const run of await transitionRuns(trx, writes, { projectIds: caller.projectIds })) if (run) moved.push(run);
      // Told at commit: workers running one of them abort its handler.
      await notifyRunsCancelled(
        trx,
        moved.filter((run) => run.previous_status === 'running').map((run) => run.id),
      );
      return {
        cancelled: moved,
        released: await this.admission.releaseBuckets(
          trx,
          moved.flatMap((run) => run.slot_buckets ?? []),
        ),
      };
    });
    await this.stopExecution(cancelled);
    await this.admission.afterRelease(released);
    const [run] = cancelled;
    if (!run) throw new Error('cancel moved no run');
    return run;
  }

  /**
   * Cancels up to `limit` pending runs past their `expires_at` (a schedule's `run_ttl`) with error
   * code `expired`, and marks their occurrences `expired`. The runs cancelled.
   */
  async expireRuns(limit: number): Promise<RunRow[]> {
    const error = { message: 'the run did not start within its run_ttl', code: 'expired' };
    const { cancelled, occurrences, released } = await this.db.transaction().execute(async (trx) => {
      const runIds = await lockExpiredRuns(trx, limit);
      const writes = runIds.map((runId) => ({ runId, transition: 'cancel' as const, set: { error: toJson(error) }, data: { error, cancelled_by: 'run_ttl' } }));
      const moved = (await transitionRuns(trx, writes)).filter((run): run is RunRow => run !== undefined);
      const occurrences = await markOccurrencesExpired(
        trx,
        moved.map((run) => run.id),
      );
      return {
        cancelled: moved,
        occurrences,
        released: await this.admission.releaseBuckets(
          trx,
          moved.flatMap((run) => run.slot_buckets ?? []),
        ),
      };
    });
    await this.stopExecution(cancelled);
    await this.admission.afterRelease(released);
    // Only a schedule's runs have an occurrence; a policy's ttl expires runs that have none.
    for (let i = 0; i < occurrences; i += 1) this.metrics?.observeOccurrence('expired', undefined);
    return cancelled;
  }

  /** After a committed cancel: the metrics, and the queued jobs of runs that had not started. */
  private async stopExecution(cancelled: RunRow[]): Promise<void> {
    for (const run of cancelled) this.metrics?.observeTransition(run);
    await Promise.all(
      cancelled
        .filter((run) => run.previous_status === 'pending' && run.executor === 'worker')
        .map((run) =>
          this.queues.removeRun(routeOf(run), run.job_id).catch((err: unknown) => {
            // Harmless: a worker that gets the job finds the run cancelled and drops it.
            this.log.warn({ err, runId: run.id }, 'removing a cancelled run from its queue failed');
          }),
        ),
    );
  }

  /**
   * Resumes a waiting run with `data` (seen by the handler as `ctx.resume.data`). A run under
   * flow control is admitted again in the same transaction: a waiting run held no slot, so it
   * may have to wait for one.
   */
  async resume(caller: RunActor, runId: string, data: unknown): Promise<RunRow> {
    const resumed = await this.db.transaction().execute(async (trx) => {
      const run = await this.apply(trx, caller, {
        runId,
        transition: 'resume',
        set: { resume_data: toJson({ value: data }), job_id: newDispatchId(runId) },
        data: { resumed_by: caller.name },
      });
      if (run.executor !== 'worker' || (run.slot_buckets === null && run.rate_buckets === null)) return run;
      const { decision } = await this.admission.admit(trx, run, { wait: true, isNew: false });
      return decision.type === 'held' ? { ...run, hold_reason: decision.reason, hold_until: decision.until } : run;
    });
    if (resumed.executor === 'worker') {
      if (resumed.hold_reason === null) await this.admission.dispatch([resumed]);
      return resumed;
    }
    // A run its caller executes goes straight back to running: the caller reports next.
    return this.apply(this.db, caller, { runId, transition: 'claim', claim: { leaseToken: randomUUID() }, data: { resumed_by: caller.name } });
  }

  /** `POST /runs/{id}/complete` for a run the caller executes. */
  async complete(caller: RunActor, runId: string, body: CompleteRunBody): Promise<RunRow> {
    return this.apply(this.db, caller, {
      runId,
      transition: 'complete',
      executor: 'caller',
      set: {
        output: toJson(body.output),
        ...(body.logs !== undefined ? { logs: body.logs } : {}),
        ...(body.artifacts !== undefined ? { artifacts: JSON.stringify(body.artifacts) } : {}),
        ...(body.exit_code !== undefined ? { exit_code: body.exit_code } : {}),
      },
      data: { reported_by: caller.name },
    });
  }

  /** `POST /runs/{id}/fail` for a run the caller executes. */
  async fail(caller: RunActor, runId: string, body: FailRunBody): Promise<RunRow> {
    return this.apply(this.db, caller, {
      runId,
      transition: 'fail',
      executor: 'caller',
      set: { error: toJson(body.error) },
      data: { error: body.error, reported_by: caller.name },
    });
  }

  /** `POST /runs/{id}/wait` for a run the caller executes. */
  async wait(caller: RunActor, runId: string, body: WaitRunBody): Promise<RunRow> {
    return this.apply(this.db, caller, {
      runId,
      transition: 'wait',
      executor: 'caller',
      set: { waiting_reason: body.reason },
      ...(body.timeout_seconds === undefined ? {} : { waitTimeoutMs: Math.ceil(body.timeout_seconds * 1000) }),
      data: { waiting_reason: body.reason, reported_by: caller.name },
    });
  }

  /** Applies a transition within the caller's projects; 404 when invisible, 409 when not allowed. */
  private async apply(db: Db, caller: RunActor, request: TransitionRequest): Promise<RunRow> {
    const outcome = await transitionRun(db, { ...request, projectIds: caller.projectIds });
    if (outcome.moved) {
      this.metrics?.observeTransition(outcome.run);
      return outcome.run;
    }
    if (!outcome.run) throw new RunNotFoundError(request.runId);
    if (request.executor === 'caller' && outcome.run.executor !== 'caller') {
      throw new InvalidTransitionError(request.runId, request.transition as RunTransition, outcome.run.status, 'it is executed by a worker');
    }
    throw new InvalidTransitionError(request.runId, request.transition, outcome.run.status);
  }
}
