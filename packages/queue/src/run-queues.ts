import { Queue, Worker, type Processor } from 'bullmq';
import { withTimeout } from '@runq/async';
import { DEFAULT_RUNTIME_TARGET, RUN_KINDS, type RunKind } from '@runq/runs';
import { RUN_JOB_NAME, queueNameOf, runJobOptions, type RunJobData, type RunRoute } from './job-catalog.js';
import { openQueueBackend, type QueueBackend, type QueueBackendConfig, type QueueBackendKind } from './queue-backend.js';

/** A queue named by its route, or by its kind alone for the default runtime target. */
export type QueueRef = RunKind | RunRoute;

function routeFrom(ref: QueueRef): RunRoute {
  return typeof ref === 'string' ? { kind: ref, target: DEFAULT_RUNTIME_TARGET } : ref;
}

/** Job counts of one queue, by BullMQ state. */
export type QueueCounts = Record<string, number>;

/** How a worker consumes one queue. */
export interface RunWorkerOptions {
  /** Jobs processed at once by this worker. */
  concurrency: number;
  /** How long a job's lock lasts without renewal; a worker that stops renewing (crashed, paused) loses the job after this. */
  lockDurationMs: number;
}

/**
 * How long one queue operation may take before it fails. BullMQ waits, without limit, for a
 * connection that has never been ready (Redis down when the process started), and a command
 * on a connection that stopped answering never returns; every caller either retries later
 * (the reconciler) or reports the queue unavailable (the API), so a bounded wait is what it
 * needs. Healthy operations take milliseconds.
 */
export const QUEUE_OPERATION_TIMEOUT_MS = 5_000;

/**
 * How the API batches dispatches (`RunQueues.enqueueRuns`, one `addBulk` per batch; the
 * bench's floor does the same), by backend: runs per add, and adds in flight at once. On
 * PostgreSQL an add costs mostly per call, so one add at a time lets the runs that come meanwhile
 * gather into the next (docs/decisions/0024-one-queue-add-at-a-time-on-postgres.md).
 */
export const DISPATCH_BATCHING = {
  redis: { maxBatch: 200, maxInFlight: 4 },
  postgres: { maxBatch: 200, maxInFlight: 1 },
} as const satisfies Record<QueueBackendKind, { maxBatch: number; maxInFlight: number }>;

/** A queue operation did not finish in time: the backend is unreachable or not answering. */
export class QueueUnavailableError extends Error {
  /** A socket-style code, so callers that classify dependency errors by code recognise it. */
  readonly code = 'ETIMEDOUT';
  constructor(what: string) {
    super(`the queue backend did not answer ${what} within ${QUEUE_OPERATION_TIMEOUT_MS} ms`);
    this.name = 'QueueUnavailableError';
  }
}

/** `operation`, or a {@link QueueUnavailableError} once it has taken too long. */
function bounded<T>(operation: Promise<T>, what: string): Promise<T> {
  return withTimeout(operation, QUEUE_OPERATION_TIMEOUT_MS, () => new QueueUnavailableError(what));
}

/**
 * runq's queues: a BullMQ `Queue` per run kind and runtime target over one shared connection
 * (used by the API for dispatch, cancellation and the dashboard, and by workers for retries and
 * repairs), and the BullMQ `Worker`s that consume them. The default target's queues exist from
 * the start; another target's queue is opened the first time a run of it is handled.
 */
export class RunQueues {
  private readonly byName = new Map<string, Queue<RunJobData>>();

  private constructor(private readonly backend: QueueBackend) {
    for (const kind of RUN_KINDS) this.queue(kind);
  }

  /** Opens the queues on the backend the configuration names. */
  static open(config: QueueBackendConfig): RunQueues {
    return new RunQueues(openQueueBackend(config));
  }

  /** Which backend the queues live in. */
  get backendKind(): QueueBackendKind {
    return this.backend.kind;
  }

  /** How dispatches to these queues are batched (see {@link DISPATCH_BATCHING}). */
  get dispatchBatching(): (typeof DISPATCH_BATCHING)[QueueBackendKind] {
    return DISPATCH_BATCHING[this.backend.kind];
  }

  /** The Redis key prefix of a kind's (default target's) or a route's queue (hash-tagged on a Redis Cluster); empty on PostgreSQL. */
  keyPrefixOf(ref: QueueRef): string {
    const { kind, target } = routeFrom(ref);
    return this.backend.keyPrefixOf(queueNameOf(kind, target));
  }

  /** The BullMQ queue of a kind (its default target's) or of a route, opened on first use. */
  queue(ref: QueueRef): Queue<RunJobData> {
    const { kind, target } = routeFrom(ref);
    const name = queueNameOf(kind, target);
    let queue = this.byName.get(name);
    if (!queue) {
      const [options, factory] = this.backend.queueArgs(name);
      queue = factory ? new Queue<RunJobData>(name, options, factory) : new Queue<RunJobData>(name, options);
      // Connection errors surface through ping() and failed adds; an unhandled 'error'
      // event must not crash the process.
      queue.on('error', () => undefined);
      this.byName.set(name, queue);
    }
    return queue;
  }

  /** The default target's queue of every kind, in kind order (for the dashboard and counts). */
  all(): Queue<RunJobData>[] {
    return RUN_KINDS.map((kind) => this.queue(kind));
  }

  /**
   * Puts a run on its queue. `jobId` defaults to the run id; adding a job id that is already
   * queued creates nothing, so a retried dispatch is harmless.
   */
  async enqueueRun(ref: QueueRef, runId: string, options: { jobId?: string; delayMs?: number; priority?: number | undefined } = {}): Promise<void> {
    await bounded(
      this.queue(ref).add(RUN_JOB_NAME, { runId }, runJobOptions(this.backend.kind, options.jobId ?? runId, options.delayMs, options.priority)),
      'adding a job',
    );
  }

  /**
   * Puts several runs of one queue on it in one round trip (`addBulk`: one pipeline on
   * Redis, one statement on PostgreSQL). Job ids already queued create nothing, as with
   * {@link enqueueRun}.
   */
  async enqueueRuns(ref: QueueRef, runs: readonly { runId: string; jobId?: string; delayMs?: number; priority?: number | undefined }[]): Promise<void> {
    if (runs.length === 0) return;
    const jobs = runs.map((run) => ({
      name: RUN_JOB_NAME,
      data: { runId: run.runId },
      opts: runJobOptions(this.backend.kind, run.jobId ?? run.runId, run.delayMs, run.priority),
    }));
    await bounded(this.queue(ref).addBulk(jobs), 'adding jobs');
  }

  /** Removes a queued job; false when there is none (or it is being processed and locked). */
  async removeRun(ref: QueueRef, jobId: string): Promise<boolean> {
    return (await bounded(this.queue(ref).remove(jobId), 'removing a job')) === 1;
  }

  /**
   * A BullMQ worker on the queue of a kind or route. Jobs that stall (their worker stopped renewing the
   * lock) go back to the queue for another worker; runq's own lease then fences the old one.
   */
  createWorker(ref: QueueRef, processor: Processor<RunJobData>, options: RunWorkerOptions): Worker<RunJobData> {
    const { kind, target } = routeFrom(ref);
    const name = queueNameOf(kind, target);
    const [base, factory] = this.backend.workerArgs(name);
    const workerOptions = {
      ...base,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.lockDurationMs,
      maxStalledCount: 2,
      autorun: true,
    };
    const worker = factory ? new Worker<RunJobData>(name, processor, workerOptions, factory) : new Worker<RunJobData>(name, processor, workerOptions);
    worker.on('error', () => undefined);
    return worker;
  }

  /** The queue job of a dispatch and its state, or undefined when the queue has no such job. */
  async jobState(ref: QueueRef, jobId: string): Promise<string | undefined> {
    const job = await bounded(this.queue(ref).getJob(jobId), 'reading a job');
    return job ? await bounded(job.getState(), 'reading a job') : undefined;
  }

  /** Job counts per queue. */
  async counts(): Promise<Record<RunKind, QueueCounts>> {
    const entries = await Promise.all(RUN_KINDS.map(async (kind) => [kind, await bounded(this.queue(kind).getJobCounts(), 'counting jobs')] as const));
    return Object.fromEntries(entries) as Record<RunKind, QueueCounts>;
  }

  /** Resolves when the backend answers. */
  async ping(): Promise<void> {
    await this.backend.ping();
  }

  /** Closes the queues and their connection. */
  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((queue) => queue.close()));
    await this.backend.close();
  }
}
