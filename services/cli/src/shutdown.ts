import { constants } from 'node:os';
import { CloseProgress, closeSteps, type CloseReport, type CloseStage } from '@runq/async';

/** Where shutdown writes its lines: a process's logger, or the terminal of `runq start`. */
export interface ShutdownLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** How a long-running command shuts down. */
export interface ShutdownPlan {
  /** The close stages (see `closeSteps`); a command still starting up resolves them once it is up. */
  stages(): readonly CloseStage[] | Promise<readonly CloseStage[]>;
  /** From the first signal, how long the process may take before it exits whatever is still closing. */
  deadlineMs: number;
  log: ShutdownLog;
}

/** The exit status of a shutdown that abandoned or failed a step, or ran out of time. */
export const UNCLEAN_SHUTDOWN_EXIT_CODE = 1;

/** What stands for a command that was still starting up when the signal came. */
const START_UP = 'start-up';

/** The conventional status of a process ended by `signal`: 128 + its number (130 for SIGINT). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/**
 * One process's shutdown. The first signal closes the plan's stages, every step within its
 * bound, and exits: 0 when everything closed, 1 when a step was abandoned or failed. A final
 * deadline exits with 1 whatever is still closing, naming it; its timer is unref'd, so it never
 * keeps a process alive. A second signal exits at once.
 */
export class Shutdown {
  private progress: CloseProgress | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private exited = false;

  constructor(
    private readonly plan: ShutdownPlan,
    private readonly exit: (code: number) => void,
  ) {}

  /** Handles SIGINT or SIGTERM. */
  handle(signal: NodeJS.Signals): void {
    if (this.progress) {
      this.plan.log.warn(`received ${signal} again; exiting now`);
      this.end(signalExitCode(signal));
      return;
    }
    const progress = new CloseProgress();
    this.progress = progress;
    this.plan.log.info(`received ${signal}; shutting down`);
    this.deadline = setTimeout(() => this.giveUp(progress), this.plan.deadlineMs);
    this.deadline.unref();
    void this.close(progress).then((code) => {
      if (code !== undefined) this.end(code);
    });
  }

  /** Closes the stages; undefined when the command failed to start (it reports that itself, and there is nothing to close). */
  private async close(progress: CloseProgress): Promise<number | undefined> {
    progress.add([START_UP]);
    let stages: readonly CloseStage[];
    try {
      stages = await this.plan.stages();
    } catch {
      return undefined;
    }
    progress.finish(START_UP);
    return this.exitCodeOf(await closeSteps(stages, progress));
  }

  private exitCodeOf(report: CloseReport): number {
    for (const { name, reason } of report.failed) this.plan.log.warn(`shutdown step ${name} failed: ${reason}`);
    if (report.abandoned.length > 0) {
      this.plan.log.warn(`shutdown abandoned ${report.abandoned.join(', ')} (not closed in time); exiting with code ${UNCLEAN_SHUTDOWN_EXIT_CODE}`);
    }
    return report.abandoned.length + report.failed.length > 0 ? UNCLEAN_SHUTDOWN_EXIT_CODE : 0;
  }

  private giveUp(progress: CloseProgress): void {
    this.plan.log.error(
      `shutdown deadline of ${this.plan.deadlineMs} ms passed; abandoned ${progress.unfinished().join(', ')}; exiting with code ${UNCLEAN_SHUTDOWN_EXIT_CODE}`,
    );
    this.end(UNCLEAN_SHUTDOWN_EXIT_CODE);
  }

  private end(code: number): void {
    if (this.exited) return;
    this.exited = true;
    clearTimeout(this.deadline);
    this.exit(code);
  }
}

/**
 * Shuts the process down per `plan` on SIGINT or SIGTERM (see {@link Shutdown}), exiting
 * explicitly: a step that was abandoned may hold the event loop open forever.
 */
export function onShutdown(plan: ShutdownPlan): void {
  const shutdown = new Shutdown(plan, (code) => process.exit(code));
  const handler = (signal: NodeJS.Signals) => shutdown.handle(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
