import { isAllowedMove, isTerminalStatus, RUN_STATUSES, type RunStatus } from '@runq/runs';
import { sql } from 'kysely';
import type { Db } from '@runq/db';
import { requestJson, type TestApi } from './harness.js';

/** An event of `GET /runs/{id}/events` as the API returns it. */
export interface ObservedRunEvent {
  seq: number;
  run_id: string;
  from_status: RunStatus | null;
  to_status: RunStatus;
  attempt: number;
  at: string;
  data: any;
}

function isStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/**
 * What is wrong with a run's event log as a path through the transition table of `@runq/runs`;
 * empty when nothing is. The rules:
 * - `seq` runs 1..n without gaps, every event names the run, timestamps never go back;
 * - the first event creates the run (`from_status` null), each later one leaves the status the
 *   previous one entered, and every move is allowed by {@link isAllowedMove};
 * - attempt numbers never decrease; entering `running` from `pending` or `running` starts a
 *   new attempt (previous + 1), every other move keeps the attempt; a run created `pending`
 *   has had no attempt (0), one created `running` is on its first (1);
 * - nothing follows a terminal event.
 * Every rule holds for each prefix of a valid log, so a log read while the run still moves is
 * checked the same way.
 */
export function eventLogProblems(runId: string, events: readonly ObservedRunEvent[]): string[] {
  const problems: string[] = [];
  if (events.length === 0) problems.push('the log is empty (a run is created with its first event)');
  events.forEach((event, index) => {
    const where = `event ${index + 1} (${String(event.from_status)} -> ${String(event.to_status)})`;
    const previous = index > 0 ? events[index - 1] : undefined;
    if (event.seq !== index + 1) problems.push(`${where}: seq is ${event.seq}, expected ${index + 1}`);
    if (event.run_id !== runId) problems.push(`${where}: run_id is ${event.run_id}`);
    if (!isStatus(event.to_status)) problems.push(`${where}: to_status is not a status`);
    if (!Number.isInteger(event.attempt) || event.attempt < 0) problems.push(`${where}: attempt ${event.attempt} is not a count`);
    if (Number.isNaN(Date.parse(event.at))) problems.push(`${where}: at is not a timestamp`);
    if (!previous) {
      if (event.from_status !== null) problems.push(`${where}: the first event must create the run (from_status null)`);
      const firstAttempt = event.to_status === 'running' ? 1 : 0;
      if (event.attempt !== firstAttempt) problems.push(`${where}: a run created ${event.to_status} is on attempt ${firstAttempt}, not ${event.attempt}`);
    } else {
      if (isTerminalStatus(previous.to_status)) problems.push(`${where}: follows the terminal event ${previous.seq}`);
      if (event.from_status !== previous.to_status) {
        problems.push(`${where}: leaves ${String(event.from_status)} but event ${previous.seq} entered ${previous.to_status}`);
      }
      if (Date.parse(event.at) < Date.parse(previous.at)) problems.push(`${where}: at goes back in time`);
      if (event.attempt < previous.attempt) problems.push(`${where}: attempt decreased from ${previous.attempt} to ${event.attempt}`);
      const newAttempt = event.to_status === 'running' && (event.from_status === 'pending' || event.from_status === 'running');
      const expected = newAttempt ? previous.attempt + 1 : previous.attempt;
      if (event.attempt !== expected) {
        problems.push(`${where}: attempt is ${event.attempt}, expected ${expected} (${newAttempt ? 'a new attempt' : 'same attempt'})`);
      }
    }
    if (isStatus(event.to_status) && (event.from_status === null || isStatus(event.from_status)) && !isAllowedMove(event.from_status, event.to_status)) {
      problems.push(`${where}: the transition table has no such move`);
    }
  });
  return problems;
}

/** Reads a run's event log through the API (JSON form). */
export async function readEventLog(api: Pick<TestApi, 'url'>, key: string, runId: string): Promise<ObservedRunEvent[]> {
  const response = await requestJson(api.url, 'GET', `/runs/${runId}/events`, { key });
  if (response.status !== 200) throw new Error(`GET /runs/${runId}/events answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.data as ObservedRunEvent[];
}

/**
 * Reads a run and then its event log through the API and fails (with every problem listed)
 * unless the log is a valid path through the transition table that agrees with the run: a run
 * read as terminal must have that terminal status as its last event. Returns the events.
 */
export async function expectValidEventLog(api: Pick<TestApi, 'url'>, key: string, runId: string): Promise<ObservedRunEvent[]> {
  const run = await requestJson(api.url, 'GET', `/runs/${runId}`, { key });
  if (run.status !== 200) throw new Error(`GET /runs/${runId} answered ${run.status}`);
  // Read after the run: the log then holds at least every event up to the status just read.
  const events = await readEventLog(api, key, runId);
  const problems = eventLogProblems(runId, events);
  const last = events.at(-1);
  if (isTerminalStatus(run.body.status) && last?.to_status !== run.body.status) {
    problems.push(`the run is ${run.body.status} but its last event enters ${String(last?.to_status)}`);
  }
  if (problems.length > 0) {
    const path = events.map((event) => `${event.seq}:${String(event.from_status)}->${event.to_status}@${event.attempt}`).join(' ');
    throw new Error(`invalid event log of ${runId} [${path}]:\n- ${problems.join('\n- ')}`);
  }
  return events;
}

/** The statuses an event log moves through, in order (for compact assertions). */
export function statusPath(events: readonly ObservedRunEvent[]): string[] {
  return events.map((event) => event.to_status);
}

/**
 * The most runs of `runIds` that were running at one instant, read from their event logs on the
 * database's clock: every transition that enters `running` (but a takeover) counts one more, every
 * one that leaves it one less. An event's time is when its transaction started, and a slot freed
 * by one run is only taken by another after that transaction commits, so a run's start is always
 * later than the end it waited for.
 */
export async function peakRunning(db: Db, runIds: readonly string[]): Promise<number> {
  const { rows } = await sql<{ from_status: string | null; to_status: string }>`
    select from_status, to_status from run_events where run_id = any(${[...runIds]}::text[]) order by at, run_id, seq`.execute(db);
  let running = 0;
  let peak = 0;
  for (const event of rows) {
    if (event.to_status === 'running' && event.from_status !== 'running') running += 1;
    if (event.from_status === 'running' && event.to_status !== 'running') running -= 1;
    peak = Math.max(peak, running);
  }
  return peak;
}
