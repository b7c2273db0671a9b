import { Queue, Worker, type Processor } from 'bullmq';
import { RUN_KINDS, type RunKind } from '@runq/runs';
import { RUN_JOB_NAME, queueNameOf, runJobOptions, type RunJobData } from './job-catalog.js';
import { openQueueBackend, type QueueBackend, type QueueBackendConfig, type QueueBackendKind } from './queue-backend.js';

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
 * runq's queues: one BullMQ `Queue` per run kind over one shared connection (used by the API
 * for dispatch, cancellation and the dashboard, and by workers for retries and repairs), and
 * the BullMQ `Worker`s that consume them.
 */
export class RunQueues {
  private readonly byKind: ReadonlyMap<RunKind, Queue<RunJobData>>;

  private constructor(private readonly backend: QueueBackend) {
    const [options, factory] = backend.queueArgs();
    this.byKind = new Map(
      RUN_KINDS.map((kind) => {
        const queue = factory
          ? new Queue<RunJobData>(queueNameOf(kind), options, factory)
          : new Queue<RunJobData>(queueNameOf(kind), options);
        // Connection errors surface through ping() and failed adds; an unhandled 'error'
        // event must not crash the process.
        queue.on('error', () => undefined);
        return [kind, queue];
      }),
    );
  }

  /** Opens the queues on the backend the configuration names. */
  static open(config: QueueBackendConfig): RunQueues {
    return new RunQueues(openQueueBackend(config));
  }

  /** Which backend the queues live in. */
  get backendKind(): QueueBackendKind {
    return this.backend.kind;
  }

  /** The BullMQ queue of `kind` (for the dashboard). */
  queue(kind: RunKind): Queue<RunJobData> {
    const queue = this.byKind.get(kind);
    if (!queue) throw new Error(`no queue for kind ${kind}`);
    return queue;
  }

  /** Every queue, in kind order. */
  all(): Queue<RunJobData>[] {
    return RUN_KINDS.map((kind) => this.queue(kind));
  }

  /**
   * Puts a run on its queue. `jobId` defaults to the run id; adding a job id that is already
   * queued creates nothing, so a retried dispatch is harmless.
   */
  async enqueueRun(kind: RunKind, runId: string, options: { jobId?: string; delayMs?: number } = {}): Promise<void> {
    await this.queue(kind).add(RUN_JOB_NAME, { runId }, runJobOptions(options.jobId ?? runId, options.delayMs));
  }

  /** Removes a queued job; false when there is none (or it is being processed and locked). */
  async removeRun(kind: RunKind, jobId: string): Promise<boolean> {
    return (await this.queue(kind).remove(jobId)) === 1;
  }

  /**
   * A BullMQ worker on the queue of `kind`. Jobs that stall (their worker stopped renewing the
   * lock) go back to the queue for another worker; runq's own lease then fences the old one.
   */
  createWorker(kind: RunKind, processor: Processor<RunJobData>, options: RunWorkerOptions): Worker<RunJobData> {
    const [base, factory] = this.backend.workerArgs();
    const workerOptions = {
      ...base,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.lockDurationMs,
      maxStalledCount: 2,
      autorun: true,
    };
    const worker = factory
      ? new Worker<RunJobData>(queueNameOf(kind), processor, workerOptions, factory)
      : new Worker<RunJobData>(queueNameOf(kind), processor, workerOptions);
    worker.on('error', () => undefined);
    return worker;
  }

  /** The queue job of a dispatch and its state, or undefined when the queue has no such job. */
  async jobState(kind: RunKind, jobId: string): Promise<string | undefined> {
    const job = await this.queue(kind).getJob(jobId);
    return job ? await job.getState() : undefined;
  }

  /** Job counts per queue. */
  async counts(): Promise<Record<RunKind, QueueCounts>> {
    const entries = await Promise.all(RUN_KINDS.map(async (kind) => [kind, await this.queue(kind).getJobCounts()] as const));
    return Object.fromEntries(entries) as Record<RunKind, QueueCounts>;
  }

  /** Resolves when the backend answers. */
  async ping(): Promise<void> {
    await this.backend.ping();
  }

  /** Closes the queues and their connection. */
  async close(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.close()));
    await this.backend.close();
  }
}
