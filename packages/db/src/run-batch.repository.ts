import { sql } from 'kysely';
import { statusesBefore } from '@runq/runs';
import type { Db } from './database.js';
import { toJson } from './json.js';
import type { NewRunRow, RunRow } from './run.table.js';

/*
 * Batched forms of the run store's hottest writes: many runs per statement, so many runs per
 * commit. Each is one statement (data-modifying CTEs), so a batch commits whole or not at all,
 * and each run's row and event still go together. They apply exactly what their single-run
 * counterparts (`insertRun`, `transitionRun` with `claim` / `complete`) apply, with the same
 * guards; the lifecycle suites run through both.
 *
 * The sql tag: an UPDATE joined to `unnest` of per-run parameters (one array per column) has
 * no query-builder form, and a multi-row event insert needs each run's event data joined back.
 */

/** A run to insert with {@link insertRuns}, and the data of its first event. */
export interface RunToInsert {
  run: NewRunRow;
  eventData?: unknown;
}

/**
 * Inserts runs and their first events in one statement. One result per input, in order: the
 * stored row, or `undefined` when a run with the same owner and `public_id` already exists
 * (also when two inputs of the batch share one: the first wins).
 */
export async function insertRuns(db: Db, entries: readonly RunToInsert[]): Promise<(RunRow | undefined)[]> {
  if (entries.length === 0) return [];
  const ids = entries.map((entry) => entry.run.id);
  const data = entries.map((entry) => toJson(entry.eventData));
  const rows = await db
    .with('created', (qb) =>
      qb
        .insertInto('runs')
        .values(entries.map((entry) => entry.run))
        .onConflict((oc) =>
          oc.columns(['owner_kind', 'owner_id', 'public_id']).where('public_id', 'is not', null).doNothing(),
        )
        .returningAll(),
    )
    .with('event', (qb) =>
      qb
        .insertInto('run_events')
        .columns(['run_id', 'seq', 'from_status', 'to_status', 'attempt', 'at', 'data'])
        .expression((eb) =>
          eb
            .selectFrom('created')
            .select([
              'id',
              'event_seq',
              sql<null>`null`.as('from_status'),
              'status',
              'attempt',
              'created_at',
              sql<string | null>`(select d.data from unnest(${ids}::text[], ${data}::jsonb[]) as d(id, data) where d.id = created.id)`.as('data'),
            ]),
        ),
    )
    .selectFrom('created')
    .selectAll()
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}

/** A claim to apply with {@link claimRuns}. */
export interface RunClaim {
  runId: string;
  /** The queue job delivering the run: a superseded dispatch claims nothing. */
  jobId: string;
  leaseToken: string;
  /** Stored on the event row. */
  data?: unknown;
}

/** A claimed run, and when it had become pending (for the queue-wait metric). */
export interface ClaimedRun {
  run: RunRow;
  pendingSince: Date;
}

/**
 * Claims pending, worker-executed runs for their current dispatch: each starts a new attempt
 * under its lease token, expiring `leaseMs` from now (database clock), with its `claim` event.
 * One result per input, in order; `undefined` when that run was not pending under that job
 * (it moved on, was superseded or is executed by its caller): look at it with `findRun`.
 */
export async function claimRuns(db: Db, claims: readonly RunClaim[], leaseMs: number): Promise<(ClaimedRun | undefined)[]> {
  if (claims.length === 0) return [];
  const ids = claims.map((claim) => claim.runId);
  const result = await sql<RunRow & { pending_since: Date }>`
    with input as (
      select * from unnest(${ids}::text[], ${claims.map((claim) => claim.jobId)}::text[], ${claims.map((claim) => claim.leaseToken)}::uuid[],
                           ${claims.map((claim) => toJson(claim.data))}::jsonb[]) as i(id, job_id, lease_token, data)
    ), moved as (
      update runs as r set
        previous_status = r.status,
        status = 'running',
        event_seq = r.event_seq + 1,
        updated_at = now(),
        waiting_reason = null,
        wait_deadline_at = null,
        attempt = r.attempt + 1,
        started_at = coalesce(r.started_at, now()),
        lease_token = i.lease_token,
        lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
      from input as i, runs as prior
      where r.id = i.id and prior.id = i.id
        and r.status = any(${statusesBefore('claim')}::text[])
        and r.job_id = i.job_id
        and r.executor = 'worker'
      returning r.*, prior.updated_at as pending_since
    ), event as (
      insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
      select m.id, m.event_seq, m.previous_status, m.status, m.attempt, m.updated_at, i.data
      from moved as m join input as i on i.id = m.id
    )
    select * from moved`.execute(db);
  const byId = new Map<string, ClaimedRun>();
  for (const row of result.rows) {
    const { pending_since: pendingSince, ...run } = row;
    byId.set(run.id, { run: run as RunRow, pendingSince });
  }
  return ids.map((id) => byId.get(id));
}

/** A completion to apply with {@link completeRuns}: what the handler returned, stored as is. */
export interface RunCompletion {
  runId: string;
  /** The claim the attempt ran under: a superseded attempt completes nothing. */
  leaseToken: string;
  output: unknown;
  logs: string | null;
  artifacts: unknown[];
  exitCode: number | null;
}

/** What {@link completeRuns} reports of a completed run: what its metrics need, not the whole row. */
export type CompletedRun = Pick<RunRow, 'id' | 'kind' | 'status' | 'previous_status' | 'duration_ms'>;

/**
 * Completes running attempts still holding their claims, with their `complete` events: the
 * lease is dropped, `completed_at` and `duration_ms` set (database clock). One result per
 * input, in order; `undefined` when that attempt had lost its claim (nothing is written).
 */
export async function completeRuns(db: Db, completions: readonly RunCompletion[]): Promise<(CompletedRun | undefined)[]> {
  if (completions.length === 0) return [];
  const ids = completions.map((completion) => completion.runId);
  // Only the columns the caller reads: parsing the whole row (45 columns, five timestamps)
  // was a tenth of the worker's CPU.
  const result = await sql<CompletedRun>`
    with input as (
      select * from unnest(${ids}::text[], ${completions.map((completion) => completion.leaseToken)}::uuid[],
                           ${completions.map((completion) => toJson(completion.output))}::jsonb[],
                           ${completions.map((completion) => completion.logs)}::text[],
                           ${completions.map((completion) => JSON.stringify(completion.artifacts))}::jsonb[],
                           ${completions.map((completion) => completion.exitCode)}::integer[]) as i(id, lease_token, output, logs, artifacts, exit_code)
    ), moved as (
      update runs as r set
        lease_token = null,
        lease_expires_at = null,
        waiting_reason = null,
        wait_deadline_at = null,
        output = i.output,
        logs = i.logs,
        artifacts = i.artifacts,
        exit_code = i.exit_code,
        previous_status = r.status,
        status = 'completed',
        event_seq = r.event_seq + 1,
        updated_at = now(),
        completed_at = now(),
        duration_ms = (extract(epoch from now() - r.started_at) * 1000)::integer
      from input as i
      where r.id = i.id
        and r.status = any(${statusesBefore('complete')}::text[])
        and r.lease_token = i.lease_token
      returning r.id, r.kind, r.status, r.previous_status, r.duration_ms, r.event_seq, r.attempt, r.updated_at
    ), event as (
      insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
      select m.id, m.event_seq, m.previous_status, m.status, m.attempt, m.updated_at, null
      from moved as m
    )
    select id, kind, status, previous_status, duration_ms from moved`.execute(db);
  const byId = new Map(result.rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}
