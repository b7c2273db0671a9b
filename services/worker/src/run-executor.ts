import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { MicroBatcher } from '@runq/async';
import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import {
  claimRuns,
  countRetries,
  findRun,
  RUN_STATEMENT_BATCHING,
  releaseLease,
  renewLease,
  settleAttempts,
  toJson,
  transitionRun,
  type AttemptSettlement,
  type ClaimedRun,
  type Db,
  type RunClaim,
  type RunRow,
  type RunSummary,
} from '@runq/db';
import type { RunAdmission } from '@runq/engine';
import { routeOf, type RunJobData, type RunQueues } from '@runq/queue';
import type { AttemptSpan, HandlerEnd, RunTracing } from '@runq/tracing';
import { decideAfterFailure, isTerminalStatus, newDispatchId, toRunEnvelope, type RunError, type RunKind } from '@runq/runs';
import { AttemptAborted, type ActiveAttempts } from './active-attempts.js';
import { runAttempt, type AttemptOutcome } from './attempt.js';
import { resolveHandler, type HandlerModule } from './handler-module.js';

/** What the executor needs. */
export interface RunExecutorOptions {
  db: Db;
  queues: RunQueues;
  handlers: HandlerModule;
  attempts: ActiveAttempts;
  log: Logger;
  leaseMs: number;
  /** Identifies this process in run events. */
  workerId: string;
  /** This process's presence, whose id each claim records (`runs.lease_holder`). */
  presence: { readonly holderId: number };
  metrics?: RunqMetrics | undefined;
  /** Flow control: releases the slots of settled runs and admits the runs held for them. */
  admission: RunAdmission;
  /** Spans of each attempt, under the run's stored trace context (docs/decisions/0016-tracing.md). */
  tracing: RunTracing;
}

/** A settlement, and whether its run holds flow-control slots (which it then gives up). */
interface SettlementOf {
  settlement: AttemptSettlement;
  holdsSlots: boolean;
}

/** What a processed job reports to the queue (visible on the dashboard). */
type JobResult = { status: string; reason?: string };

/**
 * Executes the run a queue job points at: claims it in Postgres (a new attempt under a new
 * lease), runs the handler with its signal, and settles the attempt with one fenced
 * transition. Every write carries the attempt's lease token, so a worker that lost its claim
 * (it stalled and another took over, or the run was cancelled) changes nothing.
 */
export class RunExecutor {
  private readonly claims: MicroBatcher<RunClaim, ClaimedRun | undefined>;
  private readonly settlements: MicroBatcher<SettlementOf, RunSummary | undefined>;

  constructor(private readonly options: RunExecutorOptions) {
    const { db, leaseMs } = options;
    this.claims = new MicroBatcher({
      runBatch: (claims) => claimRuns(db, claims, leaseMs),
      ...RUN_STATEMENT_BATCHING,
    });
    this.settlements = new MicroBatcher({
      // A batch with a run under flow control frees its slots and admits the runs held for
      // them in the same transaction; other batches are one statement.
      runBatch: (items) =>
        options.admission.withRelease(
          items.some((item) => item.holdsSlots),
          (target) =>
            settleAttempts(
              target,
              items.map((item) => item.settlement),
            ),
        ),
      ...RUN_STATEMENT_BATCHING,
    });
  }

  /** The BullMQ processor of one job. */
  async process(kind: RunKind, job: Job<RunJobData>, token: string | undefined): Promise<JobResult> {
    const { log, tracing } = this.options;
    // Read only when tracing: the attempt's span starts where its claim did.
    const claimStartedAt = tracing.enabled ? Date.now() : 0;
    const leaseToken = randomUUID();
    const data = { worker: this.options.workerId, job_id: job.id };
    // The common case first, without reading the run: a pending run of this dispatch is
    // claimed (in a statement shared with the other jobs claiming meanwhile). Anything else
    // (superseded, taken over, cancelled, a stalled attempt) goes the careful way below.
    const leaseHolder = this.options.presence.holderId;
    const claimed = job.id === undefined ? undefined : await this.claims.submit({ runId: job.data.runId, jobId: job.id, leaseToken, leaseHolder, data });
    let run: RunRow;
    if (claimed) {
      run = claimed.run;
      // Queue wait: from the moment the run became pending (its last update) to this claim.
      this.options.metrics?.queueWait.observe({ kind }, Math.max(0, run.updated_at.getTime() - claimed.pendingSince.getTime()) / 1000);
    } else {
      const outcome = await this.claimCarefully(kind, job, token, leaseToken, data);
      if ('status' in outcome) return outcome;
      run = outcome.run;
    }
    this.observe(run);
    this.options.metrics?.attempts.inc({ kind });
    const jobLog = log.child({ runId: run.id, attempt: run.attempt, kind });
    // Debug, not info: two lines per run at thousands of runs per second cost a core's share.
    jobLog.debug('attempt started');
    const span = tracing.startAttempt({ runId: run.id, kind, attempt: run.attempt, jobId: job.id, traceparent: run.traceparent, claimStartedAt });
    if (!span) return this.settle(run, leaseToken, await this.execute(run, leaseToken, jobLog, undefined), jobLog);
    const outcome = await this.execute(run, leaseToken, jobLog, span);
    span.handlerEnded(handlerEndOf(outcome));
    try {
      const result = await this.settle(run, leaseToken, outcome, jobLog);
      span.end(result.status);
      return result;
    } catch (error) {
      if (error instanceof RetryScheduled) span.end('retry');
      else if (error instanceof UnrecoverableError) span.end('fail');
      else span.end('error', error);
      throw error;
    }
  }

  /**
   * Claims the run of a job that the shared claim did not take: after reading it, a pending
   * run is claimed, a running one whose lease expired is taken over, and anything else is
   * discarded with the reason.
   */
  private async claimCarefully(
    kind: RunKind,
    job: Job<RunJobData>,
    token: string | undefined,
    leaseToken: string,
    data: { worker: string; job_id: string | undefined },
  ): Promise<JobResult | { run: RunRow }> {
    const { db } = this.options;
    const run = await findRun(db, job.data.runId);
    if (!run) return { status: 'discarded', reason: 'run not found' };
    if (run.job_id !== job.id) return { status: 'discarded', reason: 'superseded by a newer dispatch' };
    if (run.executor !== 'worker') return { status: 'discarded', reason: 'run is executed by its caller' };
    const claim = { leaseToken, leaseMs: this.options.leaseMs, leaseHolder: this.options.presence.holderId };
    let claimed;
    if (run.status === 'pending') {
      claimed = await transitionRun(db, { runId: run.id, transition: 'claim', claim, jobId: run.job_id, executor: 'worker', data });
    } else if (run.status === 'running') {
      claimed = await transitionRun(db, {
        runId: run.id,
        transition: 'reclaim',
        claim,
        jobId: run.job_id,
        executor: 'worker',
        leaseExpired: true,
        data: { ...data, reclaimed: true },
      });
      if (!claimed.moved && claimed.run?.status === 'running' && claimed.run.lease_expires_at && token) {
        // Another worker still holds a live lease (its queue lock lapsed first): come back
        // when the lease has run out instead of running the handler twice.
        await job.moveToDelayed(claimed.run.lease_expires_at.getTime() + 500, token);
        throw new DelayedError();
      }
    } else {
      return { status: 'discarded', reason: `run is ${run.status}` };
    }
    if (!claimed.moved) return { status: 'discarded', reason: `run is ${claimed.run?.status ?? 'gone'}` };
    if (run.status === 'pending') {
      this.options.metrics?.queueWait.observe({ kind }, Math.max(0, claimed.run.updated_at.getTime() - run.updated_at.getTime()) / 1000);
    }
    return { run: claimed.run };
  }

  private async execute(run: RunRow, leaseToken: string, log: Logger, span: AttemptSpan | undefined): Promise<AttemptOutcome> {
    const handler = resolveHandler(this.options.handlers, run);
    if (!handler) {
      const name = run.kind === 'workflow' ? run.workflow_id : run.target;
      return { type: 'failed', error: { message: `no handler for ${run.kind} "${name ?? ''}"`, code: 'handler_not_found' }, retryable: false, logs: [] };
    }
    const controller = new AbortController();
    const unregister = this.options.attempts.register(run.id, controller);
    const renewal = setInterval(
      () => {
        renewLease(this.options.db, run.id, leaseToken, this.options.leaseMs).then(
          (held) => {
            // This attempt's own controller, not the run's entry in `attempts`: after a takeover
            // by this same process that entry is the newer attempt, which must keep running.
            if (!held && !controller.signal.aborted) controller.abort(new AttemptAborted('claim_lost'));
          },
          (err: unknown) => log.warn({ err }, 'lease renewal failed'),
        );
      },
      Math.max(250, Math.floor(this.options.leaseMs / 3)),
    );
    try {
      return await runAttempt(handler, toRunEnvelope(run), {
        controller,
        attempt: run.attempt,
        resume: resumeOf(run.resume_data),
        timeoutSeconds: run.timeout_seconds,
        traceparent: span?.handlerTraceparent ?? run.traceparent,
        callHandler: span?.runHandler,
      });
    } finally {
      clearInterval(renewal);
      unregister();
    }
  }

  /**
   * Writes how the attempt ended: every outcome but an abort is one settlement under the
   * attempt's claim, in a statement shared with the other attempts settling meanwhile.
   */
  private async settle(run: RunRow, leaseToken: string, outcome: AttemptOutcome, log: Logger): Promise<JobResult> {
    const logs = appendLogs(run.logs, outcome.logs);
    switch (outcome.type) {
      case 'aborted': {
        log.info({ cause: outcome.cause }, 'attempt aborted');
        if (outcome.cause === 'shutdown') {
          // Abandoned, not lost: free the claim so the next worker need not wait out the lease.
          await releaseLease(this.options.db, run.id, leaseToken).catch((err: unknown) => log.warn({ err }, 'releasing the lease failed'));
        }
        return { status: 'discarded', reason: outcome.cause };
      }
      case 'completed': {
        const { result } = outcome;
        const settled = await this.writeSettlement(run, {
          runId: run.id,
          leaseToken,
          transition: 'complete',
          set: {
            output: toJson(result.output),
            logs: appendLogs(logs, result.logs === undefined ? [] : [result.logs]),
            artifacts: JSON.stringify(result.artifacts ?? []),
            exit_code: result.exit_code ?? null,
          },
        });
        return this.report(settled, 'completed', log);
      }
      case 'waiting': {
        const settled = await this.writeSettlement(run, {
          runId: run.id,
          leaseToken,
          transition: 'wait',
          set: { waiting_reason: outcome.reason, logs, resume_data: null },
          ...(outcome.timeoutSeconds === undefined ? {} : { waitTimeoutMs: Math.ceil(outcome.timeoutSeconds * 1000) }),
          data: { waiting_reason: outcome.reason },
        });
        return this.report(settled, 'waiting', log);
      }
      case 'failed':
        return this.fail(run, leaseToken, outcome.error, outcome.retryable, logs, log);
    }
  }

  private async fail(run: RunRow, leaseToken: string, error: RunError, retryable: boolean, logs: string | null, log: Logger): Promise<JobResult> {
    // Failed attempts, not attempts: an attempt that ended in a wait used none of the retries.
    const failures = (await countRetries(this.options.db, run.id)) + 1;
    const decision = decideAfterFailure({ failures, backoffLimit: run.backoff_limit, retryable });
    if (decision.type === 'retry') {
      const jobId = newDispatchId(run.id);
      // resume_data stays: the retry repeats the attempt that followed the resume, so the
      // handler must see ctx.resume again (only a new wait clears it).
      const settled = await this.writeSettlement(run, {
        runId: run.id,
        leaseToken,
        transition: 'retry',
        set: { error: toJson(error), logs, job_id: jobId },
        data: { error, retry_in_ms: decision.delayMs },
      });
      if (!settled) return this.report(settled, 'retry', log);
      this.observe(settled);
      log.info({ error: error.message, delayMs: decision.delayMs }, 'attempt failed; retrying');
      try {
        await this.options.queues.enqueueRun(routeOf(run), run.id, { jobId, delayMs: decision.delayMs });
      } catch (err) {
        log.warn({ err }, 'scheduling the retry failed; the reconciler will dispatch it');
      }
      // Fails this job (the attempt) on the dashboard; the retry is a new job.
      throw new RetryScheduled(error.message);
    }
    const settled = await this.writeSettlement(run, { runId: run.id, leaseToken, transition: 'fail', set: { error: toJson(error), logs }, data: { error } });
    if (!settled) return this.report(settled, 'fail', log);
    this.observe(settled);
    log.info({ error: error.message }, 'run failed');
    throw new UnrecoverableError(error.message);
  }

  /** Submits how an attempt of `run` ended to the shared settlement statement. */
  private writeSettlement(run: RunRow, settlement: AttemptSettlement): Promise<RunSummary | undefined> {
    return this.settlements.submit({ settlement, holdsSlots: run.slot_buckets !== null });
  }

  /** Records a transition this process applied (and, for a finished run, its duration). */
  private observe(run: Pick<RunRow, 'kind' | 'status' | 'previous_status' | 'duration_ms'>): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    metrics.observeTransition(run);
    if (isTerminalStatus(run.status) && run.duration_ms !== null) {
      metrics.runDuration.observe({ kind: run.kind, status: run.status }, run.duration_ms / 1000);
    }
    if (run.status === 'pending') metrics.retries.inc({ kind: run.kind });
  }

  /** What the job reports once its settlement was written (`settled`) or refused by the fence. */
  private report(settled: RunSummary | undefined, status: string, log: Logger): JobResult {
    if (settled) {
      this.observe(settled);
      log.debug({ status }, 'attempt settled');
      return { status };
    }
    log.info({ status }, 'claim superseded; result discarded');
    return { status: 'discarded', reason: 'claim superseded' };
  }
}

/** Thrown to fail an attempt's queue job after its retry was scheduled (the retry is a new job). */
class RetryScheduled extends Error {
  override readonly name = 'RetryScheduled';
}

/** How a handler call ended, for its span. */
function handlerEndOf(outcome: AttemptOutcome): HandlerEnd {
  switch (outcome.type) {
    case 'failed':
      return { outcome: 'failed', error: outcome.error };
    case 'aborted':
      return { outcome: 'aborted', error: { message: `attempt aborted (${outcome.cause})`, code: outcome.cause } };
    default:
      return { outcome: outcome.type };
  }
}

/** Resume data is stored wrapped (`{ value }`) so that resuming with `null` still counts as a resume. */
function resumeOf(stored: unknown): { data: unknown } | null {
  return typeof stored === 'object' && stored !== null && 'value' in stored ? { data: stored.value } : null;
}

function appendLogs(existing: string | null, lines: readonly string[]): string | null {
  if (lines.length === 0) return existing;
  const added = lines.join('\n');
  return existing ? `${existing}\n${added}` : added;
}

export { AttemptAborted };
