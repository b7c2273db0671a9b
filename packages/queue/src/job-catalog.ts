import type { JobsOptions } from 'bullmq';
import type { RunKind } from '@runq/runs';

/**
 * The jobs runq puts on its queues. There is one queue per run kind, and one job name on
 * each: `run`, whose payload names the run. Everything else about the run lives in Postgres,
 * so a job stays a few bytes and the queue is only the delivery mechanism.
 */
export const RUN_JOB_NAME = 'run';

/** Payload of a `run` job. */
export interface RunJobData {
  runId: string;
}

/** The queue that carries runs of `kind`. */
export function queueNameOf(kind: RunKind): string {
  return kind;
}

/**
 * Options of a `run` job. The job id is the dispatch id (the run id for the first dispatch),
 * so adding the same dispatch twice creates nothing. Finished jobs are kept for an hour
 * (capped at 1,000 per queue) so the dashboard can show them; the run's history lives in
 * Postgres.
 */
export function runJobOptions(jobId: string, delayMs = 0): JobsOptions {
  return {
    jobId,
    delay: delayMs > 0 ? delayMs : undefined,
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 24 * 3600, count: 5000 },
  };
}
