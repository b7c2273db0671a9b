import { statusesBefore } from '@runq/runs';
import type { Db } from './database.js';
import { toJson } from './json.js';
import { PreparedStatement } from './prepared-statement.js';
import { statusGuardSql } from './status-guard.js';
import { RUN_COLUMNS, RUN_COLUMN_TYPES, runColumnList, type NewRunRow, type RunRow } from './run.table.js';

/*
 * Batched forms of the run store's hottest writes: many runs per statement, so many runs per
 * commit. Each is one statement (data-modifying CTEs), so a batch commits whole or not at all,
 * and each run's row and event still go together. They apply exactly what their single-run
 * counterparts (`insertRun`, `transitionRun` with `claim` / `complete`) apply, with the same
 * guards; the lifecycle suites run through both.
 *
 * Each is fixed text whatever the batch size (its input is one JSON document, or one array per
 * column), so it is a prepared statement: parsed and planned once per connection, not once per
 * call. Status guards come from `statusGuardSql` (status-guard.ts): the runs are found by id,
 * never by scanning a status index.
 *
 * From its sixth call on a connection, Postgres may keep one plan for such a statement, made for
 * the table sizes its statistics gave then. Made while `runs` held a few rows (a fresh install,
 * after a purge), a claim's or completion's plan read the whole table for every batch, and kept
 * doing so as the table grew until the next ANALYZE: with 20,000 runs, 250 ms instead of 6 ms
 * per claim of 50 runs. So the input of those two is `limit`ed by its own length, a parameter: a
 * kept plan then counts on one input row (a parameter's limit is estimated at a tenth of the
 * rows, and an array parameter's at ten), and one lookup by id beats reading even a table of
 * three runs. With sequential scans off on the worker's connections (`indexLookupsOnly`, see
 * `openDatabase`), a one-page table cannot be read whole instead either. Planning each call would
 * do as well, at 0.5 ms (claim) and 0.2 ms (completion) of Postgres CPU per call.
 */

/**
 * Batched statements of one kind a process keeps in flight (with `MicroBatcher`). Each carries
 * every run that reached that step meanwhile, so a run costs a fraction of a commit. Two, not
 * more: concurrent writers to `runs` contend for the same index pages (new ids all land at the
 * right edge), and on 2 cores four claim and four completion statements in flight cost
 * PostgreSQL 2.5 ms of CPU per run where two of each cost 0.7 ms (bench, end to end). Two
 * rather than one, so that a statement waiting on a lock (a row lock, or a public_id being
 * inserted by another transaction) does not hold up every run behind it.
 */
const RUN_WRITE_SLOTS = 2;

/** How the API batches run inserts (`RunIngest`; the bench's floor does the same). */
export const RUN_INSERT_BATCHING = { maxBatch: 100, maxInFlight: RUN_WRITE_SLOTS } as const;

/**
 * How a worker batches its claims and its completions (`RunExecutor`): the jobs it runs
 * concurrently share these statements, so at concurrency 50 a run costs a fraction of a commit
 * instead of two.
 */
export const RUN_STATEMENT_BATCHING = { maxBatch: 50, maxInFlight: RUN_WRITE_SLOTS } as const;

/** Columns whose value comes from the table's default when an inserted run leaves them out. */
const INSERT_DEFAULTS: Partial<Record<keyof RunRow, string>> = {
  executor: `'worker'`,
  artifacts: `'[]'::jsonb`,
  attempt: '0',
  event_seq: '1',
};

/**
 * The input of `insertRuns` is one JSON array of runs (a JSON object per run, keyed by column,
 * with the first event's data as `event_data`), read by `json_to_recordset`, rather than one
 * array parameter per column: `pg` writes an array parameter as a Postgres array literal,
 * escaping every element in JavaScript, which for the JSON text of a run's request, input and
 * config cost the API 3.4 % of its CPU per `POST /runs` (bench, ingest); `JSON.stringify` does
 * the same natively. `jsonb` columns travel as JSON strings holding their text (as `toJson`
 * makes them) and are cast here, so a value is never spliced into the document.
 */
const insertRunsStatement = new PreparedStatement<RunRow>(
  'runq_insert_runs',
  `with input as (
     select * from json_to_recordset($1::json)
       as i(${RUN_COLUMNS.map((column) => `${column} ${insertedType(column)}`).join(', ')}, event_data text)
   ), created as (
     insert into runs (${RUN_COLUMNS.join(', ')})
     select ${RUN_COLUMNS.map((column) => insertedValue(column)).join(', ')}
     from input as i
     on conflict (owner_kind, owner_id, public_id) where public_id is not null do nothing
     returning ${runColumnList('runs')}
   ), event as (
     insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
     select c.id, c.event_seq, null, c.status, c.attempt, c.created_at, i.event_data::jsonb
     from created as c join input as i on i.id = c.id
   )
   select ${runColumnList('created')} from created`,
);

/** How a column is read from the input document: `jsonb` columns arrive as JSON text. */
function insertedType(column: keyof RunRow): string {
  return RUN_COLUMN_TYPES[column] === 'jsonb' ? 'text' : RUN_COLUMN_TYPES[column];
}

/** What is inserted into a column: its input value (cast back to `jsonb`), or the table's default when absent. */
function insertedValue(column: keyof RunRow): string {
  const value = RUN_COLUMN_TYPES[column] === 'jsonb' ? `i.${column}::jsonb` : `i.${column}`;
  const fallback = INSERT_DEFAULTS[column];
  return fallback ? `coalesce(${value}, ${fallback})` : value;
}

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
  const document = JSON.stringify(entries.map((entry) => ({ ...entry.run, event_data: toJson(entry.eventData) })));
  const rows = await insertRunsStatement.execute(db, [document]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return entries.map((entry) => byId.get(entry.run.id));
}

/** A claim to apply with {@link claimRuns}. */
export interface RunClaim {
  runId: string;
  /** The queue job delivering the run: a superseded dispatch claims nothing. */
  jobId: string;
  leaseToken: string;
  /** Presence id of the claiming worker process (`runs.lease_holder`); null or absent: none. */
  leaseHolder?: number | null;
  /** Stored on the event row. */
  data?: unknown;
}

/** A claimed run, and when it had become pending (for the queue-wait metric). */
export interface ClaimedRun {
  run: RunRow;
  pendingSince: Date;
}

const claimRunsStatement = new PreparedStatement<RunRow & { pending_since: Date }>(
  'runq_claim_runs',
  `with input as (
     select * from unnest($1::text[], $2::text[], $3::uuid[], $4::jsonb[], $8::integer[]) as i(id, job_id, lease_token, data, lease_holder)
     limit $7
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
       lease_expires_at = now() + $6 * interval '1 millisecond',
       lease_holder = i.lease_holder
     from input as i, runs as prior
     where r.id = i.id and prior.id = i.id
       and ${statusGuardSql('r.status', '$5')}
       and r.job_id = i.job_id
       and r.executor = 'worker'
     returning ${runColumnList('r')}, prior.updated_at as pending_since
   ), event as (
     insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
     select m.id, m.event_seq, m.previous_status, m.status, m.attempt, m.updated_at, i.data
     from moved as m join input as i on i.id = m.id
   )
   select ${runColumnList('moved')}, moved.pending_since from moved`,
);

/**
 * Claims pending, worker-executed runs for their current dispatch: each starts a new attempt
 * under its lease token, expiring `leaseMs` from now (database clock), with its `claim` event.
 * One result per input, in order; `undefined` when that run was not pending under that job
 * (it moved on, was superseded or is executed by its caller): look at it with `findRun`.
 */
export async function claimRuns(db: Db, claims: readonly RunClaim[], leaseMs: number): Promise<(ClaimedRun | undefined)[]> {
  if (claims.length === 0) return [];
  const ids = claims.map((claim) => claim.runId);
  const rows = await claimRunsStatement.execute(db, [
    ids,
    claims.map((claim) => claim.jobId),
    claims.map((claim) => claim.leaseToken),
    claims.map((claim) => toJson(claim.data)),
    statusesBefore('claim'),
    leaseMs,
    claims.length,
    claims.map((claim) => claim.leaseHolder ?? null),
  ]);
  const byId = new Map<string, ClaimedRun>();
  for (const row of rows) {
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

const completeRunsStatement = new PreparedStatement<CompletedRun>(
  'runq_complete_runs',
  `with input as (
     select * from unnest($1::text[], $2::uuid[], $3::jsonb[], $4::text[], $5::jsonb[], $6::integer[])
       as i(id, lease_token, output, logs, artifacts, exit_code)
     limit $8
   ), moved as (
     update runs as r set
       lease_token = null,
       lease_expires_at = null,
       lease_holder = null,
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
       and ${statusGuardSql('r.status', '$7')}
       and r.lease_token = i.lease_token
     returning r.id, r.kind, r.status, r.previous_status, r.duration_ms, r.event_seq, r.attempt, r.updated_at
   ), event as (
     insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
     select m.id, m.event_seq, m.previous_status, m.status, m.attempt, m.updated_at, null
     from moved as m
   )
   select id, kind, status, previous_status, duration_ms from moved`,
);

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
  const rows = await completeRunsStatement.execute(db, [
    ids,
    completions.map((completion) => completion.leaseToken),
    completions.map((completion) => toJson(completion.output)),
    completions.map((completion) => completion.logs),
    completions.map((completion) => JSON.stringify(completion.artifacts)),
    completions.map((completion) => completion.exitCode),
    statusesBefore('complete'),
    completions.length,
  ]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id));
}

/** The batched statements, for plans and tests (`EXPLAIN` of their text). */
export const RUN_BATCH_STATEMENTS = {
  insertRuns: insertRunsStatement,
  claimRuns: claimRunsStatement,
  completeRuns: completeRunsStatement,
} as const;
