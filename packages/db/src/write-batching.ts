/**
 * Batched statements of one kind a process keeps in flight (with `MicroBatcher`). Each carries
 * every run that reached that step meanwhile, so a run costs a fraction of a commit. Two: more
 * writers to `runs` contend for the same index pages and cost PostgreSQL more per run; fewer
 * let one statement waiting on a lock hold up every run behind it
 * (docs/decisions/0003-run-writes-in-batches.md).
 */
const RUN_WRITE_SLOTS = 2;

/** How the API batches run inserts (`RunIngest`; the bench's floor does the same). */
export const RUN_INSERT_BATCHING = { maxBatch: 100, maxInFlight: RUN_WRITE_SLOTS } as const;

/**
 * How a worker batches its claims and its settlements (`RunExecutor`): the jobs it runs
 * concurrently share these statements, so at concurrency 50 a run costs a fraction of a commit
 * instead of two.
 */
export const RUN_STATEMENT_BATCHING = { maxBatch: 50, maxInFlight: RUN_WRITE_SLOTS } as const;
