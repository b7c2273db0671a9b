import { TRANSITIONS, statusesBefore, transitionEffects, type RunTransition } from '@runq/runs';
import { PreparedStatement } from './prepared-statement.js';
import { statusGuardSql } from './status-guard.js';
import { RUN_COLUMNS, RUN_COLUMN_TYPES, runColumnList, type RunRow, type RunTable } from './run.table.js';

/*
 * Every status write of runq is built here, from the transition table of `@runq/runs`: the
 * guard (`status` among the rule's "from" statuses), the SET list (the new status plus the
 * bookkeeping `transitionEffects` names) and the event row. One run or a batch, one transition
 * or several (a worker settling attempts that completed, failed, retried or began waiting), the
 * statement comes from the same function; only its input has more rows. See
 * docs/decisions/0001-one-statement-per-transition.md.
 *
 * Rules that keep the plans on lookups by id (docs/decisions/0002-plans-of-run-writes.md): the
 * status guard is written so that no status index can serve it, and the input is `limit`ed by
 * its own length, a parameter, so that a kept plan counts on one input row.
 */

/** The columns a transition takes from its writer, besides the bookkeeping the table derives. */
export const TRANSITION_COLUMNS = {
  create: [],
  start: [],
  claim: [],
  reclaim: [],
  retry: ['error', 'logs', 'job_id'],
  complete: ['output', 'logs', 'artifacts', 'exit_code'],
  fail: ['error', 'logs'],
  wait: ['waiting_reason', 'logs', 'resume_data'],
  resume: ['resume_data', 'job_id'],
  expire: ['error'],
  cancel: ['error'],
} as const satisfies Record<RunTransition, readonly (keyof RunTable)[]>;

/** A column `transition` takes from its writer. */
export type TransitionColumn<T extends RunTransition> = (typeof TRANSITION_COLUMNS)[T][number];

/** What a statement's rows may be fenced by, besides the status guard. */
export interface TransitionFences {
  /** Each row only while the run still carries the claim it names (`lease_token`). */
  readonly lease?: boolean;
  /** Each row only while the run is still delivered by the queue job it names (`job_id`). */
  readonly job?: boolean;
  /** Only runs whose claim has expired (taking over a stalled attempt). */
  readonly leaseExpired?: boolean;
  /** Only runs executed by the party given with the statement. */
  readonly executor?: boolean;
  /** Only runs of the projects given with the statement. */
  readonly projects?: boolean;
}

/** The shape of a transition statement: the transitions its rows apply, with the columns each writes. */
export interface TransitionStatementSpec {
  readonly transitions: { readonly [T in RunTransition]?: readonly TransitionColumn<T>[] };
  readonly fences: TransitionFences;
  /** `row`: every column of each moved run; `summary`: what metrics need ({@link RunSummary}). */
  readonly returning: 'row' | 'summary';
  /** Also return each moved run's `updated_at` from before the move (when it became pending, for a claim). */
  readonly priorUpdatedAt?: boolean;
}

/** What a `summary` statement returns of a moved run: what metrics need, and the slots it gave up. */
export type RunSummary = Pick<RunRow, 'id' | 'kind' | 'status' | 'previous_status' | 'duration_ms' | 'slot_buckets'>;

/** One input column of a statement: its name in the input and its Postgres array type. */
interface InputColumn {
  readonly name: string;
  readonly type: string;
}

/** A built statement and the input columns its parameters fill, in order. */
export interface TransitionStatement {
  readonly spec: TransitionStatementSpec;
  readonly statement: PreparedStatement<Record<string, unknown>>;
  readonly inputs: readonly InputColumn[];
  /** Positions of the statement-level parameters. */
  readonly parameters: { readonly executor?: number; readonly projects?: number; readonly limit: number };
}

/**
 * The longest wait deadline stored (100 years): the contract bounds `timeout_seconds` only from
 * below, and a deadline past Postgres's timestamp range would fail the whole statement.
 */
const MAX_WAIT_MS = 100 * 365 * 24 * 3600 * 1000;

/** `now() + <input column> ms`, NULL when the input is NULL. */
function nowPlusMs(input: string): string {
  return `now() + ${input} * interval '1 millisecond'`;
}

/**
 * The time of a transition: the transaction's clock, but never before the run's previous write.
 * A transaction that began before another one moved the run, and then waited for the row, would
 * otherwise date its event before the event it follows.
 */
const MOVED_AT = 'greatest(now(), r.updated_at)';

/** Every column `transition` changes, with its new value as an SQL expression over `r` (the row before) and `i` (its input). */
export function transitionAssignments(transition: RunTransition, columns: readonly string[]): Map<string, string> {
  const rule = TRANSITIONS[transition];
  const effects = transitionEffects(transition);
  const set = new Map<string, string>([
    ['previous_status', 'r.status'],
    ['status', `'${rule.to}'`],
    ['event_seq', 'r.event_seq + 1'],
    ['updated_at', MOVED_AT],
    ['hold_reason', 'null'],
    ['hold_until', 'null'],
  ]);
  if (effects.startsAttempt) {
    set.set('attempt', 'r.attempt + 1');
    set.set('started_at', `coalesce(r.started_at, ${MOVED_AT})`);
    set.set('lease_token', 'i.claim_token');
    set.set('lease_expires_at', nowPlusMs('i.claim_lease_ms'));
    set.set('lease_holder', 'i.claim_holder');
  } else {
    set.set('lease_token', 'null');
    set.set('lease_expires_at', 'null');
    set.set('lease_holder', 'null');
  }
  if (effects.entersWait) {
    set.set('wait_deadline_at', nowPlusMs(`least(i.wait_ms, ${MAX_WAIT_MS})`));
  } else {
    set.set('waiting_reason', 'null');
    set.set('wait_deadline_at', 'null');
  }
  if (effects.finishes) {
    set.set('completed_at', MOVED_AT);
    set.set('duration_ms', `(extract(epoch from ${MOVED_AT} - r.started_at) * 1000)::integer`);
  }
  for (const column of columns) {
    if (set.has(column)) throw new Error(`${transition} derives ${column}; it cannot be written as well`);
    set.set(column, `i.${column}`);
  }
  return set;
}

/**
 * The condition a run must meet for `transition`: its status among the rule's "from" statuses;
 * and for an attempt that starts from `pending`, no flow-control hold (a held run is not admitted).
 */
function guardOf(transition: RunTransition): string {
  const from = statusesBefore(transition);
  const status = statusGuardSql('r.status', from);
  return TRANSITIONS[transition].startsAttempt && from.includes('pending') ? `${status} and r.hold_reason is null` : status;
}

/** An expression that is `byTransition[t]` for a row of transition `t`, `otherwise` for the rest. */
function perTransition(byTransition: ReadonlyMap<RunTransition, string>, otherwise: string, count: number): string {
  const values = new Set(byTransition.values());
  const [only] = values;
  if (values.size === 1 && byTransition.size === count && only !== undefined) return only;
  const branches = [...byTransition].map(([transition, value]) => `when '${transition}' then ${value}`);
  return `case i.transition ${branches.join(' ')} else ${otherwise} end`;
}

/** Builds the text and input layout of a statement of `spec` (see {@link defineTransitionStatement}). */
function buildTransitionStatement(name: string, spec: TransitionStatementSpec): TransitionStatement {
  const transitions = Object.keys(spec.transitions) as RunTransition[];
  if (transitions.length === 0) throw new Error(`${name}: no transition`);
  const many = transitions.length > 1;
  const assignments = new Map(transitions.map((transition) => [transition, transitionAssignments(transition, spec.transitions[transition] ?? [])]));
  const written = RUN_COLUMNS.filter((column) => [...assignments.values()].some((set) => set.has(column)));
  const effects = transitions.map(transitionEffects);

  const inputs: InputColumn[] = [{ name: 'id', type: 'text[]' }];
  if (many) inputs.push({ name: 'transition', type: 'text[]' });
  const payload = RUN_COLUMNS.filter((column) =>
    transitions.some((transition) => (spec.transitions[transition] as readonly string[] | undefined)?.includes(column)),
  );
  for (const column of payload) inputs.push({ name: column, type: `${RUN_COLUMN_TYPES[column]}[]` });
  if (effects.some((effect) => effect.startsAttempt)) {
    inputs.push({ name: 'claim_token', type: 'uuid[]' }, { name: 'claim_lease_ms', type: 'double precision[]' }, { name: 'claim_holder', type: 'integer[]' });
  }
  if (effects.some((effect) => effect.entersWait)) inputs.push({ name: 'wait_ms', type: 'double precision[]' });
  if (spec.fences.lease) inputs.push({ name: 'held_token', type: 'uuid[]' });
  if (spec.fences.job) inputs.push({ name: 'dispatch_job_id', type: 'text[]' });
  inputs.push({ name: 'data', type: 'jsonb[]' });

  // Statement-level parameters follow the input arrays.
  const next = (() => {
    let position = inputs.length;
    return () => (position += 1);
  })();
  const parameters: { executor?: number; projects?: number; limit: number } = { limit: 0 };
  const where = ['r.id = i.id'];
  if (spec.priorUpdatedAt) where.push('prior.id = i.id');
  const guards = new Map(transitions.map((transition) => [transition, guardOf(transition)]));
  where.push(
    many && new Set(guards.values()).size > 1 ? `(${perTransition(guards, 'false', transitions.length)}) is true` : ([...guards.values()][0] ?? 'false'),
  );
  if (spec.fences.lease) where.push('r.lease_token = i.held_token');
  if (spec.fences.job) where.push('r.job_id = i.dispatch_job_id');
  if (spec.fences.leaseExpired) where.push('(r.lease_expires_at is null or r.lease_expires_at < now())');
  if (spec.fences.executor) where.push(`r.executor = $${(parameters.executor = next())}`);
  if (spec.fences.projects) where.push(`r.project_id = any($${(parameters.projects = next())}::uuid[])`);
  parameters.limit = next();

  const set = written.map((column) => {
    const byTransition = new Map<RunTransition, string>();
    for (const [transition, columns] of assignments) {
      const value = columns.get(column);
      if (value !== undefined) byTransition.set(transition, value);
    }
    return `${column} = ${perTransition(byTransition, `r.${column}`, transitions.length)}`;
  });
  const summary = ['id', 'kind', 'status', 'previous_status', 'duration_ms', 'slot_buckets'];
  const returned = spec.returning === 'row' ? runColumnList('r') : summary.map((column) => `r.${column}`).join(', ');
  const eventColumns = spec.returning === 'row' ? '' : ', r.event_seq, r.attempt, r.updated_at';
  const releasing = transitions.filter((transition) => transitionEffects(transition).releasesSlots);
  const leavingPending = transitions.filter((transition) => statusesBefore(transition).includes('pending') && TRANSITIONS[transition].to !== 'pending');
  // A run that holds flow-control slots gives them up as it leaves running (or is cancelled);
  // a held run that leaves pending gives up its place in line. Runs without buckets skip both.
  const releases = [
    releasing.length === 0
      ? ''
      : `, released as (
  delete from run_slots as s using moved as m
  where m.slot_buckets is not null and s.run_id = m.id${many ? ` and m.status in (${[...new Set(releasing.map((transition) => `'${TRANSITIONS[transition].to}'`))].join(', ')})` : ''}
)`,
    leavingPending.length === 0
      ? ''
      : `, unheld as (
  delete from run_holds as h using moved as m
  where m.slot_buckets is not null and m.previous_status = 'pending' and h.run_id = m.id
)`,
  ].join('');
  const prior = spec.priorUpdatedAt ? ', prior.updated_at as prior_updated_at' : '';
  const selected = [...(spec.returning === 'row' ? RUN_COLUMNS : summary), ...(spec.priorUpdatedAt ? ['prior_updated_at'] : [])];

  const text = `-- ${name}: ${transitions.join(', ')} (runq transition table).
-- Input: one array per column of ${inputs.map((input) => input.name).join(', ')}; ${[
    parameters.executor ? `$${parameters.executor} executor` : '',
    parameters.projects ? `$${parameters.projects} project ids` : '',
    `$${parameters.limit} the number of rows`,
  ]
    .filter(Boolean)
    .join(', ')}.
-- Output: each run that moved (${spec.returning}); a run whose status or fences did not allow the move is left as it was.
with input as (
  select * from unnest(${inputs.map((input, index) => `$${index + 1}::${input.type}`).join(', ')})
    as i(${inputs.map((input) => input.name).join(', ')})
  limit $${parameters.limit}
), moved as (
  update runs as r set
    ${set.join(',\n    ')}
  from input as i${spec.priorUpdatedAt ? ', runs as prior' : ''}
  where ${where.join('\n    and ')}
  returning ${returned}${eventColumns}${prior}
), event as (
  insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
  select m.id, m.event_seq, m.previous_status, m.status, m.attempt, m.updated_at, i.data
  from moved as m join input as i on i.id = m.id
)${releases}
select ${selected.join(', ')} from moved`;
  return { spec, statement: new PreparedStatement(name, text), inputs, parameters };
}

/**
 * A transition statement with a fixed shape, prepared once per connection under `name`: for
 * the writes a process makes at volume (a worker's claims and settlements).
 */
export function defineTransitionStatement(name: string, spec: TransitionStatementSpec): TransitionStatement {
  return buildTransitionStatement(name, spec);
}

const derived = new Map<string, TransitionStatement>();

/**
 * The statement for a shape met at run time (an API call, a reconciler repair): built on first
 * use, then kept, so each shape is prepared once per connection like the fixed ones.
 */
export function transitionStatementFor(spec: TransitionStatementSpec): TransitionStatement {
  const key = JSON.stringify(spec);
  let statement = derived.get(key);
  if (!statement) {
    statement = buildTransitionStatement(`runq_transition_${derived.size + 1}`, spec);
    derived.set(key, statement);
  }
  return statement;
}
