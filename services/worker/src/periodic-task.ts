/**
 * Runs an async task again and again, `intervalMs` after the previous run ended (never two at
 * once), until stopped. The task handles its own errors; one that escapes is passed to `onError`
 * and the next run still comes.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Schedules the first run `intervalMs` from now. */
  start(): void {
    this.schedule();
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.task()
        .then(
          () => undefined,
          (error: unknown) => this.onError(error),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.intervalMs);
  }
}
