/** What to do after an attempt failed. */
export type FailureDecision = { type: 'retry'; delayMs: number } | { type: 'fail' };

/** Base delay of the first retry. */
export const BACKOFF_BASE_MS = 1_000;
/** No retry waits longer than this. */
export const BACKOFF_MAX_MS = 5 * 60_000;

/**
 * Delay before the retry that follows the run's `failures`-th failed attempt: exponential (1 s,
 * 2 s, 4 s, … capped at 5 min) with jitter drawing from the upper half of the window, so retries
 * of runs that failed together spread out without ever retrying much sooner than planned.
 */
export function backoffDelayMs(failures: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(BACKOFF_BASE_MS * 2 ** exponent, BACKOFF_MAX_MS);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Decides between retrying and failing a run after a failed attempt. `failures` counts the
 * run's failed attempts, this one included (1 on the first failure): attempts that ended in a
 * wait are not failures, so a run that waited and was resumed keeps its whole retry budget.
 * `backoffLimit` is the number of retries (null: none), so a run may fail `backoffLimit + 1`
 * times; a non-retryable error (no handler, for instance) fails at once.
 */
export function decideAfterFailure(options: { failures: number; backoffLimit: number | null; retryable: boolean; random?: () => number }): FailureDecision {
  const retries = options.backoffLimit ?? 0;
  if (!options.retryable || options.failures > retries) return { type: 'fail' };
  return { type: 'retry', delayMs: backoffDelayMs(options.failures, options.random) };
}
