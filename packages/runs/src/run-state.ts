/**
 * The run lifecycle as data. Every status check in runq reads this table: the API's
 * cancel/resume/complete routes, the worker's claim and settle steps and the store's
 * guarded `UPDATE … WHERE status IN (…)` all derive their allowed "from" states here.
 *
 * ```mermaid
 * stateDiagram-v2
 *   [*] --> pending: create
 *   [*] --> running: start (caller-executed agent run)
 *   pending --> running: claim
 *   running --> running: reclaim (stalled attempt taken over)
 *   running --> pending: retry
 *   running --> completed: complete
 *   running --> failed: fail
 *   running --> waiting: wait
 *   waiting --> pending: resume
 *   waiting --> failed: expire
 *   pending --> cancelled: cancel
 *   running --> cancelled: cancel
 *   waiting --> cancelled: cancel
 * ```
 */

/** Every status a run can be in, in lifecycle order. */
export const RUN_STATUSES = ['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;

/** A run's status. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses nothing moves a run out of. */
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(['completed', 'failed', 'cancelled']);

/** Why a run is waiting. */
export const WAITING_REASONS = ['tool', 'approval', 'event', 'input'] as const;

/** A run's waiting reason. */
export type WaitingReason = (typeof WAITING_REASONS)[number];

/** The named transitions of the lifecycle. */
export type RunTransition = 'create' | 'start' | 'claim' | 'reclaim' | 'retry' | 'complete' | 'fail' | 'wait' | 'resume' | 'expire' | 'cancel';

/**
 * One row of the transition table: the statuses it leaves from (`null`: a new run), the one it
 * enters, and whether it starts a new attempt under a new claim.
 */
export interface TransitionRule {
  readonly from: readonly (RunStatus | null)[];
  readonly to: RunStatus;
  /** The run enters `running` as a new attempt: its attempt count grows and it gets a new claim. */
  readonly startsAttempt: boolean;
}

/** The transition table of the run lifecycle. */
export const TRANSITIONS: Readonly<Record<RunTransition, TransitionRule>> = {
  create: { from: [null], to: 'pending', startsAttempt: false },
  start: { from: [null], to: 'running', startsAttempt: true },
  claim: { from: ['pending'], to: 'running', startsAttempt: true },
  reclaim: { from: ['running'], to: 'running', startsAttempt: true },
  retry: { from: ['running'], to: 'pending', startsAttempt: false },
  complete: { from: ['running'], to: 'completed', startsAttempt: false },
  fail: { from: ['running'], to: 'failed', startsAttempt: false },
  wait: { from: ['running'], to: 'waiting', startsAttempt: false },
  resume: { from: ['waiting'], to: 'pending', startsAttempt: false },
  expire: { from: ['waiting'], to: 'failed', startsAttempt: false },
  cancel: { from: ['pending', 'running', 'waiting'], to: 'cancelled', startsAttempt: false },
};

/** The transitions that create a run (they leave from no status). */
export const CREATIONS = ['create', 'start'] as const satisfies readonly RunTransition[];

/** A transition that creates a run. */
export type RunCreation = (typeof CREATIONS)[number];

/**
 * The bookkeeping a transition does besides changing the status, as the store applies it to a
 * run's row (on the database's clock):
 * - `startsAttempt`: the attempt count grows by one, the first start time is kept (or set) and
 *   the new claim (lease token and expiry) is recorded; every other transition ends the claim;
 * - `entersWait`: the wait's reason and deadline are recorded; every other transition clears them;
 * - `finishes`: the run records when it finished and how long it took since it first started;
 * - `releasesSlots`: the run gives up its flow-control slots (it finishes, or waits: a waiting
 *   run holds no slot), so the runs held for them may be admitted.
 * Every transition ends a hold: a run held by flow control is pending, and whatever moves it
 * (or admits it again) decides anew.
 */
export interface TransitionEffects {
  readonly startsAttempt: boolean;
  readonly entersWait: boolean;
  readonly finishes: boolean;
  readonly releasesSlots: boolean;
}

/** The bookkeeping of `transition` (see {@link TransitionEffects}), read from its rule. */
export function transitionEffects(transition: RunTransition): TransitionEffects {
  const rule = TRANSITIONS[transition];
  const finishes = isTerminalStatus(rule.to);
  return { startsAttempt: rule.startsAttempt, entersWait: rule.to === 'waiting', finishes, releasesSlots: finishes || rule.to === 'waiting' };
}

/** True when `status` is terminal. */
export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** The statuses an existing run may be in for `transition` to apply (empty for creations). */
export function statusesBefore(transition: RunTransition): RunStatus[] {
  return TRANSITIONS[transition].from.filter((status): status is RunStatus => status !== null);
}

/** True when the table has a transition named `transition` from `from` (`null`: a new run). */
export function canTransition(transition: RunTransition, from: RunStatus | null): boolean {
  return TRANSITIONS[transition].from.includes(from);
}

/** True when any transition of the table moves a run from `from` to `to`. */
export function isAllowedMove(from: RunStatus | null, to: RunStatus): boolean {
  return Object.values(TRANSITIONS).some((rule) => rule.to === to && rule.from.includes(from));
}
