/**
 * When a failed delivery is tried again, in units of the base delay: with the default base of
 * 5 s that is 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then every 3 h, until the retry window
 * (24 h by default) has passed since the event.
 */
export const RETRY_STEPS = [1, 6, 24, 120, 360, 720, 2160] as const;

/** The default base delay: the first retry comes 5 s after the first failure. */
export const DEFAULT_RETRY_BASE_MS = 5_000;
/** The default retry window: a delivery is retried for 24 h after its event, then given up on. */
export const DEFAULT_RETRY_WINDOW_MS = 24 * 3600 * 1000;
/** The spread of the jitter: a delay is drawn from ±20 % around its step, so that retries of many deliveries do not come in waves. */
export const RETRY_JITTER = 0.2;

/**
 * The delay before attempt `attempts + 1`, after `attempts` failed ones (1-based), in
 * milliseconds: the step of {@link RETRY_STEPS} times `baseMs`, with ±20 % jitter drawn from `random`.
 *
 * @example retryDelayMs(1, 5_000) // between 4 000 and 6 000
 */
export function retryDelayMs(attempts: number, baseMs: number, random: () => number = Math.random): number {
  const step: number = RETRY_STEPS[Math.min(Math.max(attempts, 1), RETRY_STEPS.length) - 1] ?? 1;
  const jitter = 1 + RETRY_JITTER * (2 * random() - 1);
  return Math.round(step * baseMs * jitter);
}
