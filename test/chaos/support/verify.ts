import { isTerminalStatus } from '@runq/runs';
import type { Db } from '@runq/db';
import { eventLogProblems, type ObservedRunEvent } from '../../support/event-log.js';
import { expectedStatuses, type AcceptedRun } from './load.js';

/** The counts the chaos suite prints and asserts on. */
export interface ChaosCounts {
  accepted: number;
  /** Accepted runs the store does not have. */
  lost: number;
  /** Runs with more than one terminal event, or more than one run for one accepted request. */
  duplicated: number;
  /** Runs whose event log is not a valid path through the transition table, or disagrees with the run. */
  invalidTransitions: number;
  /** Accepted runs not in a terminal state when the drain deadline passed. */
  stuck: number;
  /** Runs that ended in a state (or with an output or error) their kind rules out. */
  wrongOutcome: number;
  /** Runs in the store the producer never got a 202 for (its answer was lost and it gave up): not accepted, but they must not be stuck either. */
  unacknowledged: number;
  byStatus: Record<string, number>;
}

interface RunRowView {
  id: string;
  public_id: string | null;
  status: string;
  attempt: number;
  output: unknown;
  error: unknown;
}

/**
 * Counts the project's runs in `statuses` until `done` holds for the count, or the deadline
 * passes; resolves with the last count.
 */
export async function untilRunCount(
  db: Db,
  projectId: string,
  statuses: readonly string[],
  done: (count: number) => boolean,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .where('status', 'in', statuses as never[])
      .executeTakeFirstOrThrow();
    const count = Number(row.n);
    if (done(count) || Date.now() >= deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Resolves once no run of the project is unfinished, or with the unfinished count at the deadline. */
export function drain(db: Db, projectId: string, timeoutMs: number): Promise<number> {
  return untilRunCount(db, projectId, ['pending', 'running', 'waiting'], (unfinished) => unfinished === 0, timeoutMs);
}

/**
 * Checks every run of the project against what the producer was told and what its kind must end
 * as, reading the store (the source of truth) directly: every accepted run exists, is terminal,
 * in an expected state, with exactly one terminal event last in a log that is a valid path
 * through the transition table (`eventLogProblems`), and no attempt after it. Returns the
 * counts and the first problems found, for the report.
 */
export async function verifyRuns(db: Db, projectId: string, accepted: readonly AcceptedRun[]): Promise<{ counts: ChaosCounts; problems: string[] }> {
  const rows = (await db
    .selectFrom('runs')
    .select(['id', 'public_id', 'status', 'attempt', 'output', 'error'])
    .where('project_id', '=', projectId)
    .execute()) as RunRowView[];
  const events = await db
    .selectFrom('run_events')
    .innerJoin('runs', 'runs.id', 'run_events.run_id')
    .select(['run_events.run_id', 'run_events.seq', 'run_events.from_status', 'run_events.to_status', 'run_events.attempt', 'run_events.at', 'run_events.data'])
    .where('runs.project_id', '=', projectId)
    .orderBy('run_events.run_id')
    .orderBy('run_events.seq')
    .execute();
  const logs = new Map<string, ObservedRunEvent[]>();
  for (const event of events) {
    const log = logs.get(event.run_id) ?? [];
    log.push({ ...event, at: event.at.toISOString(), data: event.data ?? null } as ObservedRunEvent);
    logs.set(event.run_id, log);
  }
  const byId = new Map(rows.map((row) => [row.id, row]));
  const problems: string[] = [];
  const note = (problem: string) => {
    if (problems.length < 25) problems.push(problem);
  };
  const counts: ChaosCounts = {
    accepted: accepted.length,
    lost: 0,
    duplicated: 0,
    invalidTransitions: 0,
    stuck: 0,
    wrongOutcome: 0,
    unacknowledged: 0,
    byStatus: {},
  };

  const acceptedIds = new Set(accepted.map((run) => run.runId));
  const publicIds = new Map<string, number>();
  for (const row of rows) {
    if (row.public_id) publicIds.set(row.public_id, (publicIds.get(row.public_id) ?? 0) + 1);
    if (!acceptedIds.has(row.id)) {
      counts.unacknowledged += 1;
      if (!isTerminalStatus(row.status as never)) {
        counts.stuck += 1;
        note(`${row.id} (never acknowledged) is still ${row.status}`);
      }
    }
  }
  for (const run of accepted) {
    if ((publicIds.get(run.publicId) ?? 0) > 1) {
      counts.duplicated += 1;
      note(`${run.publicId} has ${publicIds.get(run.publicId)} runs`);
    }
  }

  for (const run of accepted) {
    const row = byId.get(run.runId);
    if (!row) {
      counts.lost += 1;
      note(`${run.runId} (${run.spec}) was accepted but is not in the store`);
      continue;
    }
    counts.byStatus[row.status] = (counts.byStatus[row.status] ?? 0) + 1;
    const log = logs.get(run.runId) ?? [];
    const terminalEvents = log.filter((event) => isTerminalStatus(event.to_status)).length;
    if (terminalEvents > 1) {
      counts.duplicated += 1;
      note(`${run.runId} (${run.spec}) has ${terminalEvents} terminal events`);
    }
    const logProblems = eventLogProblems(run.runId, log);
    const last = log.at(-1);
    if (last && last.to_status !== row.status) logProblems.push(`the run is ${row.status} but its last event enters ${last.to_status}`);
    if (last && last.attempt !== row.attempt) logProblems.push(`the run is on attempt ${row.attempt} but its last event records attempt ${last.attempt}`);
    if (logProblems.length > 0) {
      counts.invalidTransitions += 1;
      const path = log.map((event) => `${event.seq}:${String(event.from_status)}->${event.to_status}@${event.attempt}`).join(' ');
      note(`${run.runId} (${run.spec}) [${path}]: ${logProblems.join('; ')}`);
    }
    if (!isTerminalStatus(row.status as never)) {
      counts.stuck += 1;
      note(`${run.runId} (${run.spec}) is still ${row.status}`);
      continue;
    }
    const wrong = wrongOutcome(run, row);
    if (wrong) {
      counts.wrongOutcome += 1;
      note(`${run.runId} (${run.spec}): ${wrong}`);
    }
  }
  return { counts, problems };
}

/** What is wrong with how a terminal run ended, given its kind; undefined when nothing. */
function wrongOutcome(run: AcceptedRun, row: RunRowView): string | undefined {
  const expected = expectedStatuses(run);
  if (!expected.includes(row.status)) return `ended ${row.status}, expected ${expected.join(' or ')} (cancel: ${run.cancel ?? '-'})`;
  const error = row.error as { code?: string } | null;
  if (run.spec === 'waiter' && JSON.stringify(row.output) !== JSON.stringify({ resumed_with: { approved_run: run.runId } })) {
    return `completed with ${JSON.stringify(row.output)} instead of its resume data`;
  }
  if (run.spec === 'doomed' && error?.code !== 'doomed') return `failed with ${JSON.stringify(row.error)}`;
  if (run.spec === 'slowpoke' && error?.code !== 'timeout') return `failed with ${JSON.stringify(row.error)}`;
  return undefined;
}
