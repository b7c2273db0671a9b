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
export type RunTransition =
  | 'create'
  | 'start'
  | 'claim'
  | 'reclaim'
  | 'retry'
  | 'complete'
  | 'fail'
  | 'wait'
  | 'resume'
  | 'expire'
  | 'cancel';

/** One row of the transition table: the statuses it leaves from (`null`: a new run) and the one it enters. */
export interface TransitionRule {
  readonly from: readonly (RunStatus | null)[];
  readonly to: RunStatus;
}

/** The transition table of the run lifecycle. */
export const TRANSITIONS: Readonly<Record<RunTransition, TransitionRule>> = {
  create: { from: [null], to: 'pending' },
  start: { from: [null], to: 'running' },
  claim: { from: ['pending'], to: 'running' },
  reclaim: { from: ['running'], to: 'running' },
  retry: { from: ['running'], to: 'pending' },
  complete: { from: ['running'], to: 'completed' },
  fail: { from: ['running'], to: 'failed' },
  wait: { from: ['running'], to: 'waiting' },
  resume: { from: ['waiting'], to: 'pending' },
  expire: { from: ['waiting'], to: 'failed' },
  cancel: { from: ['pending', 'running', 'waiting'], to: 'cancelled' },
};

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
