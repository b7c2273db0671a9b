import type { JobsOptions } from 'bullmq';
import { DEFAULT_RUNTIME_TARGET, runtimeTargetOf, type RunKind, type RuntimeTargetFields } from '@runq/runs';
import type { QueueBackendKind } from './queue-backend.js';

/**
 * The jobs runq puts on its queues. There is one queue per run kind and runtime target, and one
 * job name on each: `run`, whose payload names the run. Everything else about the run lives in Postgres,
 * so a job stays a few bytes and the queue is only the delivery mechanism.
 */
export const RUN_JOB_NAME = 'run';

/** Payload of a `run` job. */
export interface RunJobData {
  runId: string;
}

/** A queue: the runs of one kind for one runtime target (`packages/runs/src/runtime-target.ts`). */
export interface RunRoute {
  kind: RunKind;
  target: string;
}

/** Where a run is queued: its kind and runtime target. */
export function routeOf(run: RuntimeTargetFields & { kind: RunKind }): RunRoute {
  return { kind: run.kind, target: runtimeTargetOf(run) };
}

/**
 * The queue that carries runs of `kind` for `target`: the kind's name for the default target,
 * else `<kind>.<target>` with the target's `:` written `.` (BullMQ queue names exclude `:`).
 */
export function queueNameOf(kind: RunKind, target: string = DEFAULT_RUNTIME_TARGET): string {
  return target === DEFAULT_RUNTIME_TARGET ? kind : `${kind}.${target.replaceAll(':', '.')}`;
}

/** Failed deliveries (a job, not a run, that failed: rare) are kept a day, at most 5,000 per queue. */
const KEEP_FAILED = { age: 24 * 3600, count: 5000 } as const;

/**
 * How long finished jobs stay on a queue, per backend; the run's history lives in Postgres
 * either way. On Redis, completed jobs are kept for an hour (at most 1,000 per queue) so the
 * dashboard can show them. On BullMQ's PostgreSQL backend, where enforcing such a cap makes
 * concurrent finishes wait on each other's row locks, completed jobs are removed as they
 * complete (docs/decisions/0007-finished-jobs-on-the-postgres-backend.md).
 */
export const FINISHED_JOB_RETENTION = {
  redis: { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: KEEP_FAILED },
  postgres: { removeOnComplete: true, removeOnFail: KEEP_FAILED },
} as const satisfies Record<QueueBackendKind, Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>>;

/**
 * The lowest place in a queue's backlog lane: BullMQ's largest priority. Jobs without a priority
 * (the main lane) are taken before every prioritised one; prioritised ones go lowest number first,
 * first in first out within a number.
 */
export const PRIORITY_LANE_LIMIT = 2 ** 21 - 1;

/**
 * Options of a `run` job on a `backend` queue. The job id is the dispatch id (the run id for
 * the first dispatch), so adding the same dispatch while it is queued creates nothing. A
 * `priority` puts the job in the backlog lane at that place (see {@link PRIORITY_LANE_LIMIT}).
 */
export function runJobOptions(backend: QueueBackendKind, jobId: string, delayMs = 0, priority?: number): JobsOptions {
  return {
    jobId,
    delay: delayMs > 0 ? delayMs : undefined,
    ...(priority !== undefined && priority > 0 ? { priority: Math.min(priority, PRIORITY_LANE_LIMIT) } : {}),
    ...FINISHED_JOB_RETENTION[backend],
  };
}

type Routable = RuntimeTargetFields & { kind: RunKind };

/**
 * `items` grouped by the queue each one's run goes to (first appearance order), for one add per
 * queue; `runOf` finds the run of an item that is not one itself.
 */
export function groupByQueue<Item>(items: readonly Item[], runOf: (item: Item) => Routable = (item) => item as Routable): { route: RunRoute; runs: Item[] }[] {
  const groups = new Map<string, { route: RunRoute; runs: Item[] }>();
  for (const run of items) {
    const route = routeOf(runOf(run));
    const name = queueNameOf(route.kind, route.target);
    const group = groups.get(name);
    if (group) group.runs.push(run);
    else groups.set(name, { route, runs: [run] });
  }
  return [...groups.values()];
}
