/**
 * Lets one log line through per period and counts the ones it suppressed, so that a flood (of
 * store failures, of refused requests) costs a few lines a minute instead of one per request.
 *
 * @example
 * const gate = new LogThrottle(10_000);
 * const suppressed = gate.admit();
 * if (suppressed !== undefined) log.warn({ suppressed }, 'rate-limit store unavailable');
 */
export class LogThrottle {
  private lastAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** When a line may be written now: how many were suppressed since the last one; else undefined. */
  admit(): number | undefined {
    const now = this.now();
    if (now - this.lastAt < this.periodMs) {
      this.suppressed += 1;
      return undefined;
    }
    this.lastAt = now;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return suppressed;
  }
}
