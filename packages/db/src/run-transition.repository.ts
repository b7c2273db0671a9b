import { TRANSITIONS, type RunExecutor, type RunTransition } from '@runq/runs';
import type { Db } from './database.js';
import { toJson } from './json.js';
import { findRun } from './run.repository.js';
import {
  defineTransitionStatement,
  transitionStatementFor,
  type RunSummary,
  type TransitionColumn,
  type TransitionStatement,
  type TransitionStatementSpec,
} from './run-transition.statement.js';
import { RUN_COLUMNS, type RunRow, type RunRowUpdate } from './run.table.js';

/** The columns a write of `T` sets, with their stored values (JSON columns as `toJson` text). */
export type TransitionValues<T extends RunTransition> = { [C in TransitionColumn<T>]?: RunRowUpdate[C] };

/** One run's move along the transition table. */
export interface RunTransitionWrite<T extends RunTransition = RunTransition> {
  runId: string;
  transition: T;
  /** The columns this transition takes from its writer (see `TRANSITION_COLUMNS`). */
  set?: TransitionValues<T>;
  /** Stored on the event row. */
  data?: unknown;
  /**
   * For a transition that starts an attempt: its claim; with `leaseMs`, the claim expires unless
   * renewed (database clock); `leaseHolder` is the presence id of the worker process holding it.
   */
  claim?: { leaseToken: string; leaseMs?: number; leaseHolder?: number | null };
  /** For a wait: it expires this many milliseconds from now (database clock). */
  waitTimeoutMs?: number;
  /** Apply only while the run still carries this claim (fences out superseded workers). */
  leaseToken?: string;
  /** Apply only while the run is still delivered by this queue job (a superseded dispatch moves nothing). */
  jobId?: string;
}

/** A write of any one transition, its `set` typed by that transition. */
export type AnyTransitionWrite = { [T in RunTransition]: RunTransitionWrite<T> }[RunTransition];

/** Conditions a whole call applies to every run it moves. */
export interface TransitionScope {
  /** Only runs of these projects. */
  projectIds?: readonly string[];
  /** Only runs executed by this party. */
  executor?: RunExecutor;
  /** Only runs whose claim has expired (taking over a stalled attempt). */
  leaseExpired?: boolean;
}

/** Runs `statement` for `writes` (all of its shape). One result per write, in order: the moved run, or `undefined`. */
async function executeTransitions<Row extends { id: string }>(
  db: Db,
  statement: TransitionStatement,
  writes: readonly AnyTransitionWrite[],
  scope: TransitionScope,
): Promise<(Row | undefined)[]> {
  if (writes.length === 0) return [];
  const rows = (await statement.statement.execute(db, transitionParameters(statement, writes, scope))) as unknown as Row[];
  const byId = new Map(rows.map((row) => [row.id, row]));
  return writes.map((write) => byId.get(write.runId));
}

/** The positional parameters of `statement` for `writes` under `scope`: one array per input column, then the statement's own. */
export function transitionParameters(statement: TransitionStatement, writes: readonly AnyTransitionWrite[], scope: TransitionScope = {}): unknown[] {
  const { spec, inputs, parameters } = statement;
  const values: unknown[] = inputs.map((input) => writes.map((write) => inputValue(spec, write, input.name)));
  if (parameters.executor) values[parameters.executor - 1] = scope.executor;
  if (parameters.projects) values[parameters.projects - 1] = scope.projectIds;
  values[parameters.limit - 1] = writes.length;
  return values;
}

/** The value `write` gives the statement's input column `name`. */
function inputValue(spec: TransitionStatementSpec, write: AnyTransitionWrite, name: string): unknown {
  switch (name) {
    case 'id':
      return write.runId;
    case 'transition':
      return write.transition;
    case 'claim_token':
      return write.claim?.leaseToken ?? null;
    case 'claim_lease_ms':
      return write.claim?.leaseMs ?? null;
    case 'claim_holder':
      return write.claim?.leaseHolder ?? null;
    case 'wait_ms':
      return write.waitTimeoutMs ?? null;
    case 'held_token':
      return write.leaseToken ?? null;
    case 'dispatch_job_id':
      return write.jobId ?? null;
    case 'data':
      return toJson(write.data);
    default: {
      const columns = spec.transitions[write.transition] as readonly string[] | undefined;
      if (!columns?.includes(name)) return null;
      return (write.set as Record<string, unknown> | undefined)?.[name] ?? null;
    }
  }
}

/** The shape of a statement that applies exactly `writes` under `scope`. */
function specOf(writes: readonly AnyTransitionWrite[], scope: TransitionScope): TransitionStatementSpec {
  const transitions: Partial<Record<RunTransition, string[]>> = {};
  for (const write of writes) {
    if (TRANSITIONS[write.transition].startsAttempt && !write.claim) throw new Error(`${write.transition} of ${write.runId} needs a claim`);
    const written = Object.keys(write.set ?? {});
    const known = transitions[write.transition];
    if (known && known.join() !== RUN_COLUMNS.filter((column) => written.includes(column)).join()) {
      throw new Error(`the writes of one call must set the same columns for ${write.transition}`);
    }
    transitions[write.transition] = RUN_COLUMNS.filter((column) => written.includes(column));
  }
  const every = (has: (write: AnyTransitionWrite) => boolean): boolean => {
    const count = writes.filter(has).length;
    if (count !== 0 && count !== writes.length) throw new Error('the writes of one call must be fenced alike');
    return count > 0;
  };
  return {
    transitions: transitions as TransitionStatementSpec['transitions'],
    fences: {
      lease: every((write) => write.leaseToken !== undefined),
      job: every((write) => write.jobId !== undefined),
      leaseExpired: scope.leaseExpired === true,
      executor: scope.executor !== undefined,
      projects: scope.projectIds !== undefined,
    },
    returning: 'row',
  };
}

/**
 * Moves runs along the transition table in one statement: for each, one guarded update (its
 * status among the rule's "from" statuses, and its fences) and the matching event row. One
 * result per write, in order: the moved run, or `undefined` when it moved on meanwhile (or is
 * out of scope, or its claim or dispatch is stale) and nothing was written. Writes of one call
 * share their fences and, per transition, the columns they set.
 *
 * The bookkeeping follows the rule (`transitionEffects`): a transition that starts an attempt
 * records its claim; every other one drops the claim; a wait records its deadline; a terminal
 * status records `completed_at` and `duration_ms` — all on the database clock.
 */
export async function transitionRuns(db: Db, writes: readonly AnyTransitionWrite[], scope: TransitionScope = {}): Promise<(RunRow | undefined)[]> {
  if (writes.length === 0) return [];
  return executeTransitions<RunRow>(db, transitionStatementFor(specOf(writes, scope)), writes, scope);
}

/** A transition to apply with {@link transitionRun}. */
export type TransitionRequest = AnyTransitionWrite & TransitionScope;

/** What {@link transitionRun} did: the moved run, or the run as it is now (if visible) when nothing moved. */
export type TransitionOutcome = { moved: true; run: RunRow } | { moved: false; run: RunRow | undefined };

/**
 * Moves one run along the transition table ({@link transitionRuns} with one write). When
 * nothing moved, the run as it is now is returned for the caller to report.
 */
export async function transitionRun(db: Db, request: TransitionRequest): Promise<TransitionOutcome> {
  const { projectIds, executor, leaseExpired, ...write } = request;
  const scope: TransitionScope = {
    ...(projectIds !== undefined ? { projectIds } : {}),
    ...(executor !== undefined ? { executor } : {}),
    ...(leaseExpired !== undefined ? { leaseExpired } : {}),
  };
  const [moved] = await transitionRuns(db, [write as AnyTransitionWrite], scope);
  if (moved) return { moved: true, run: moved };
  return { moved: false, run: await findRun(db, request.runId, projectIds) };
}

/** A claim to apply with {@link claimRuns}. */
export interface RunClaim {
  runId: string;
  /** The queue job delivering the run: a superseded dispatch claims nothing. */
  jobId: string;
  leaseToken: string;
  /** The presence id of the worker process claiming it (`runs.lease_holder`). */
  leaseHolder?: number | null;
  /** Stored on the event row. */
  data?: unknown;
}

/** A claimed run, and when it had become pending (for the queue-wait metric). */
export interface ClaimedRun {
  run: RunRow;
  pendingSince: Date;
}

const claimStatement = defineTransitionStatement('runq_claim_runs', {
  transitions: { claim: [] },
  fences: { job: true, executor: true },
  returning: 'row',
  priorUpdatedAt: true,
});

/**
 * Claims pending, worker-executed runs for their current dispatch: each starts a new attempt
 * under its lease token, expiring `leaseMs` from now (database clock), with its `claim` event.
 * One result per input, in order; `undefined` when that run was not pending under that job
 * (it moved on, was superseded or is executed by its caller): look at it with `findRun`.
 */
export async function claimRuns(db: Db, claims: readonly RunClaim[], leaseMs: number): Promise<(ClaimedRun | undefined)[]> {
  const writes = claims.map((claim): AnyTransitionWrite => ({
    runId: claim.runId,
    transition: 'claim',
    jobId: claim.jobId,
    claim: { leaseToken: claim.leaseToken, leaseMs, leaseHolder: claim.leaseHolder ?? null },
    data: claim.data,
  }));
  const rows = await executeTransitions<RunRow & { prior_updated_at: Date }>(db, claimStatement, writes, { executor: 'worker' });
  return rows.map((row) => {
    if (!row) return undefined;
    const { prior_updated_at: pendingSince, ...run } = row;
    return { run, pendingSince };
  });
}

/** How an attempt ended, as {@link settleAttempts} writes it: under the claim it ran with. */
export type AttemptSettlement = { [T in 'complete' | 'fail' | 'retry' | 'wait']: RunTransitionWrite<T> & { leaseToken: string } }[
  'complete' | 'fail' | 'retry' | 'wait'];

const settleStatement = defineTransitionStatement('runq_settle_attempts', {
  transitions: {
    complete: ['output', 'logs', 'artifacts', 'exit_code'],
    fail: ['error', 'logs'],
    retry: ['error', 'logs', 'job_id'],
    wait: ['waiting_reason', 'logs', 'resume_data'],
  },
  fences: { lease: true },
  returning: 'summary',
});

/**
 * Settles attempts that still hold their claims, whatever their outcome (completed, failed,
 * sent back to pending for a retry, waiting), in one statement with their events. One result
 * per input, in order; `undefined` when that attempt had lost its claim (nothing is written).
 */
export async function settleAttempts(db: Db, settlements: readonly AttemptSettlement[]): Promise<(RunSummary | undefined)[]> {
  return executeTransitions<RunSummary>(db, settleStatement, settlements, {});
}

/** The fixed-shape transition statements, for plans and tests (`EXPLAIN` of their text). */
export const RUN_TRANSITION_STATEMENTS = {
  claimRuns: claimStatement,
  settleAttempts: settleStatement,
} as const;
