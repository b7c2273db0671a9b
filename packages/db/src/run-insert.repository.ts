import { CREATIONS, TRANSITIONS } from '@runq/runs';
import type { Db } from './database.js';
import { toJson } from './json.js';
import { PreparedStatement } from './prepared-statement.js';
import { RUN_COLUMNS, RUN_COLUMN_TYPES, runColumnList, type NewRunRow, type RunRow } from './run.table.js';

/** Columns whose value comes from the table's default when an inserted run leaves them out. */
const INSERT_DEFAULTS: Partial<Record<keyof RunRow, string>> = {
  executor: `'worker'`,
  artifacts: `'[]'::jsonb`,
  attempt: '0',
  event_seq: '1',
};

/**
 * The input is one JSON array of runs (an object per run, keyed by column, with the first
 * event's data as `event_data`) read by `json_to_recordset`, not one array parameter per column:
 * `pg` escapes every array element in JavaScript, `JSON.stringify` does it natively
 * (docs/decisions/0003-run-writes-in-batches.md). `jsonb` columns travel as JSON strings holding
 * their text (as `toJson` makes them) and are cast here, so a value is never spliced into the text.
 */
const insertRunsStatement = new PreparedStatement<RunRow>(
  'runq_insert_runs',
  `-- runq_insert_runs: creates runs (a creation of the transition table: new -> pending | running) with their first events.
-- Input: $1 a JSON array of rows keyed by column (jsonb columns as JSON text), each with its first event's data as event_data.
-- Output: each created run; a run whose (owner, public_id) is taken is not created.
with input as (
     select * from json_to_recordset($1::json)
       as i(${RUN_COLUMNS.map((column) => `${column} ${insertedType(column)}`).join(', ')}, event_data text)
   ), created as (
     insert into runs (${RUN_COLUMNS.join(', ')})
     select ${RUN_COLUMNS.map((column) => insertedValue(column)).join(', ')}
     from input as i
     where i.status = any('{${CREATIONS.map((creation) => TRANSITIONS[creation].to).join(',')}}'::text[])
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

/**
 * Inserts a new run together with its first event, in one statement (see {@link insertRuns}, of
 * which this is the one-run case). Returns `undefined` when a run with the same owner and
 * `public_id` already exists: the caller resolves the idempotent replay.
 */
export async function insertRun(db: Db, run: NewRunRow, eventData?: unknown): Promise<RunRow | undefined> {
  const [row] = await insertRuns(db, [{ run, eventData }]);
  return row;
}

/** The insert statement, for plans and tests (`EXPLAIN` of its text). */
export const RUN_INSERT_STATEMENT = insertRunsStatement;
