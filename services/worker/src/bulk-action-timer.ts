import type { Logger } from '@runq/config';
import type { BulkActionExecutor } from '@runq/engine';
import { PeriodicTask } from './periodic-task.js';

/** How often an idle worker looks for open bulk actions. */
const BULK_ACTION_POLL_MS = 1_000;

/**
 * Works bulk actions through: every worker runs one, and looks once a second for an open action
 * no other worker holds, then handles its chunks back to back until none is left to it. Row
 * locks keep two workers off one action (see {@link BulkActionExecutor}).
 */
export class BulkActionTimer {
  private readonly loop: PeriodicTask;
  private stopped = false;

  constructor(executor: BulkActionExecutor, log: Logger) {
    this.loop = new PeriodicTask(
      () => executor.drain(() => this.stopped),
      BULK_ACTION_POLL_MS,
      (err) => log.warn({ err }, 'working through bulk actions failed'),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops after the chunk in progress (whose transaction commits with its cursor). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }
}
