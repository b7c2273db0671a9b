import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import {
  claimRuns,
  completeRuns,
  countRetries,
  findRun,
  MicroBatcher,
  RUN_STATEMENT_BATCHING,
  releaseLease,
  renewLease,
  toJson,
  transitionRun,
  type ClaimedRun,
  type CompletedRun,
  type Db,
  type RunClaim,
  type RunCompletion,
  type RunRow,
} from '@runq/db';
import type { RunJobData, RunQueues } from '@runq/queue';
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
  private readonly completions: MicroBatcher<RunCompletion, CompletedRun | undefined>;

  constructor(private readonly options: RunExecutorOptions) {
    const { db, leaseMs } = options;
    this.claims = new MicroBatcher({
      runBatch: (claims) => claimRuns(db, claims, leaseMs),
      ...RUN_STATEMENT_BATCHING,
    });
    this.completions = new MicroBatcher({
      runBatch: (completions) => completeRuns(db, completions),
      ...RUN_STATEMENT_BATCHING,
    });
  }

  /** The BullMQ processor of one job. */
  async process(kind: RunKind, job: Job<RunJobData>, token: string | undefined): Promise<JobResult> {
    const { log } = this.options;
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
    const outcome = await this.execute(run, leaseToken, jobLog);
    return this.settle(run, leaseToken, outcome, jobLog);
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
      claimed = await transitionRun(db, { runId: run.id, transition: 'claim', claim, data });
    } else if (run.status === 'running') {
      claimed = await transitionRun(db, { runId: run.id, transition: 'reclaim', claim, leaseExpired: true, data: { ...data, reclaimed: true } });
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

  private async execute(run: RunRow, leaseToken: string, log: Logger): Promise<AttemptOutcome> {
    const handler = resolveHandler(this.options.handlers, run);
    if (!handler) {
      const name = run.kind === 'workflow' ? run.workflow_id : run.target;
      return { type: 'failed', error: { message: `no handler for ${run.kind} "${name ?? ''}"`, code: 'handler_not_found' }, retryable: false, logs: [] };
    }
    const controller = new AbortController();
    const unregister = this.options.attempts.register(run.id, controller);
    const renewal = setInterval(() => {
      renewLease(this.options.db, run.id, leaseToken, this.options.leaseMs).then(
        (held) => {
          // This attempt's own controller, not the run's entry in `attempts`: after a takeover
          // by this same process that entry is the newer attempt, which must keep running.
          if (!held && !controller.signal.aborted) controller.abort(new AttemptAborted('claim_lost'));
        },
        (err: unknown) => log.warn({ err }, 'lease renewal failed'),
      );
    }, Math.max(250, Math.floor(this.options.leaseMs / 3)));
    try {
      return await runAttempt(handler, toRunEnvelope(run), {
        controller,
        attempt: run.attempt,
        resume: resumeOf(run.resume_data),
        timeoutSeconds: run.timeout_seconds,
      });
    } finally {
      clearInterval(renewal);
      unregister();
    }
  }

  private async settle(run: RunRow, leaseToken: string, outcome: AttemptOutcome, log: Logger): Promise<JobResult> {
    const db = this.options.db;
    const logs = appendLogs(run.logs, outcome.logs);
    const fence = { runId: run.id, leaseToken };
    switch (outcome.type) {
      case 'aborted': {
        log.info({ cause: outcome.cause }, 'attempt aborted');
        if (outcome.cause === 'shutdown') {
          // Abandoned, not lost: free the claim so the next worker need not wait out the lease.
          await releaseLease(db, run.id, leaseToken).catch((err: unknown) => log.warn({ err }, 'releasing the lease failed'));
        }
        return { status: 'discarded', reason: outcome.cause };
      }
      case 'completed': {
        const { result } = outcome;
        // Shared with the other attempts completing meanwhile: one statement, one commit.
        const completed = await this.completions.submit({
          runId: run.id,
          leaseToken,
          output: result.output,
          logs: appendLogs(logs, result.logs === undefined ? [] : [result.logs]),
          artifacts: result.artifacts ?? [],
          exitCode: result.exit_code ?? null,
        });
        if (completed) this.observe(completed);
        return this.report(completed !== undefined, 'completed', log);
      }
      case 'waiting': {
        const moved = await transitionRun(db, {
          ...fence,
          transition: 'wait',
          set: { waiting_reason: outcome.reason, logs, resume_data: null },
          ...(outcome.timeoutSeconds === undefined ? {} : { waitTimeoutMs: Math.ceil(outcome.timeoutSeconds * 1000) }),
          data: { waiting_reason: outcome.reason },
        });
        if (moved.moved) this.observe(moved.run);
        return this.report(moved.moved, 'waiting', log);
      }
      case 'failed':
        return this.fail(run, leaseToken, outcome.error, outcome.retryable, logs, log);
    }
  }

  private async fail(run: RunRow, leaseToken: string, error: RunError, retryable: boolean, logs: string | null, log: Logger): Promise<JobResult> {
    // Failed attempts, not attempts: an attempt that ended in a wait used none of the retries.
    const failures = (await countRetries(this.options.db, run.id)) + 1;
    const decision = decideAfterFailure({ failures, backoffLimit: run.backoff_limit, retryable });
    const common = { runId: run.id, leaseToken, set: { error: toJson(error), logs } as const };
    if (decision.type === 'retry') {
      const jobId = newDispatchId(run.id);
      // resume_data stays: the retry repeats the attempt that followed the resume, so the
      // handler must see ctx.resume again (only a new wait clears it).
      const moved = await transitionRun(this.options.db, {
        ...common,
        transition: 'retry',
        set: { ...common.set, job_id: jobId },
        data: { error, retry_in_ms: decision.delayMs },
      });
      if (!moved.moved) return this.report(false, 'retry', log);
      this.observe(moved.run);
      log.info({ error: error.message, delayMs: decision.delayMs }, 'attempt failed; retrying');
      try {
        await this.options.queues.enqueueRun(run.kind, run.id, { jobId, delayMs: decision.delayMs });
      } catch (err) {
        log.warn({ err }, 'scheduling the retry failed; the reconciler will dispatch it');
      }
      // Fails this job (the attempt) on the dashboard; the retry is a new job.
      throw new Error(error.message);
    }
    const moved = await transitionRun(this.options.db, { ...common, transition: 'fail', data: { error } });
    if (!moved.moved) return this.report(false, 'fail', log);
    this.observe(moved.run);
    log.info({ error: error.message }, 'run failed');
    throw new UnrecoverableError(error.message);
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

  private report(moved: boolean, status: string, log: Logger): JobResult {
    if (moved) {
      log.debug({ status }, 'attempt settled');
      return { status };
    }
    log.info({ status }, 'claim superseded; result discarded');
    return { status: 'discarded', reason: 'claim superseded' };
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
