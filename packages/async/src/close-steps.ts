import { withTimeout } from './with-timeout.js';

/**
 * How long closing one connection, pool or server may take. A healthy one closes in
 * milliseconds; one whose peer is gone may never close (ioredis reconnects forever, a Postgres
 * client waits for the answer of a server that does not answer), so it is given up after this.
 */
export const CONNECTION_CLOSE_TIMEOUT_MS = 2_000;

/**
 * How long past the bounds of its close steps a shutting-down process is ended regardless. The
 * steps report what they abandoned themselves; this margin only keeps their own timers first.
 */
export const SHUTDOWN_DEADLINE_MARGIN_MS = 2_000;

/** One named part of a shutdown and how long it may take. */
export interface CloseStep {
  /** Names the step in reports and log lines, e.g. `worker queues`. */
  readonly name: string;
  /** How long `close` may run before the step is abandoned. */
  readonly timeoutMs: number;
  close(): Promise<unknown>;
}

/** Steps that close at the same time; the stages of a shutdown close one after another. */
export type CloseStage = readonly CloseStep[];

/** What {@link closeSteps} could not finish. */
export interface CloseReport {
  /** Steps still running when their time was up, in stage order; their work is left behind. */
  readonly abandoned: readonly string[];
  /** Steps that failed, with their error's message. */
  readonly failed: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * The steps of a shutdown that have not finished (not started, running, or abandoned), so
 * that a process-wide deadline can name them.
 */
export class CloseProgress {
  private readonly open = new Set<string>();

  /** Marks `names` as not finished. */
  add(names: Iterable<string>): void {
    for (const name of names) this.open.add(name);
  }

  /** Marks `name` as finished. */
  finish(name: string): void {
    this.open.delete(name);
  }

  /** The names not finished yet, in the order they were added. */
  unfinished(): string[] {
    return [...this.open];
  }
}

/** Whether `work` settles (either way) within `ms`. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return withTimeout(settled, ms, () => new Error('not settled')).catch(() => false);
}

/**
 * Closes `stages` one after another, the steps of a stage at the same time, each within its own
 * `timeoutMs`: a step that takes longer is abandoned (its work keeps running, unawaited) and
 * the next stage starts anyway, so a shutdown ends however its dependencies behave. A failing
 * step does not stop the others either. `progress` tracks what is left, for a caller's deadline.
 *
 * @example
 * const report = await closeSteps([[{ name: 'http server', timeoutMs: 5_000, close: () => closeServer() }], [queuesStep, databaseStep]]);
 * if (report.abandoned.length > 0) log.warn(`abandoned ${report.abandoned.join(', ')}`);
 */
export async function closeSteps(stages: readonly CloseStage[], progress = new CloseProgress()): Promise<CloseReport> {
  progress.add(stages.flatMap((stage) => stage.map((step) => step.name)));
  const abandoned: string[] = [];
  const failed: { name: string; reason: string }[] = [];
  for (const stage of stages) {
    const outcomes = await Promise.all(stage.map((step) => closeStep(step)));
    outcomes.forEach((outcome, index) => {
      const name = stage[index]!.name;
      if (outcome === 'abandoned') abandoned.push(name);
      else progress.finish(name);
      if (typeof outcome === 'object') failed.push({ name, reason: outcome.reason });
    });
  }
  return { abandoned, failed };
}

/** Raised by the timer of a step, to tell its expiry from the step's own failure. */
class StepTimedOut extends Error {}

async function closeStep(step: CloseStep): Promise<'closed' | 'abandoned' | { reason: string }> {
  try {
    // Called inside an async function, so that a close that throws at once is a failure too.
    await withTimeout((async () => step.close())(), step.timeoutMs, () => new StepTimedOut());
    return 'closed';
  } catch (error) {
    if (error instanceof StepTimedOut) return 'abandoned';
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}
