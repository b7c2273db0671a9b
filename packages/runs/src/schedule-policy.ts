/** What a schedule does with an occurrence while one of its runs is unfinished. */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow'] as const;
/** An overlap policy. */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** What a schedule does with occurrences it could not fire in time (downtime, a pause). */
export const MISSED_POLICIES = ['skip', 'once', 'all'] as const;
/** A missed policy. */
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

/** What became of an occurrence. */
export const OCCURRENCE_OUTCOMES = ['created', 'skipped_overlap', 'missed', 'expired'] as const;
/** An occurrence outcome. */
export type OccurrenceOutcome = (typeof OCCURRENCE_OUTCOMES)[number];

/**
 * An occurrence whose fire time passed longer ago than this is late: the missed policy decides
 * whether it still fires. A firer that is up fires within a second, so only downtime (of every
 * firer, or of Postgres) makes an occurrence late (docs/decisions/0013-schedules.md).
 */
export const LATE_AFTER_MS = 15_000;

/** A due slot: the occurrence's nominal time and its fire time (with jitter). */
export interface DueSlot {
  slot: Date;
  fireAt: Date;
}

/**
 * Which due slots fire and which are missed, oldest first. A slot is late when its fire time is
 * before `lateBefore` (now minus {@link LATE_AFTER_MS}, or the moment a paused schedule resumed,
 * whichever is later); an on-time slot always fires. Late slots: `skip` misses them all, `once`
 * fires the latest and misses the rest, `all` fires those within `catchupWindowMs` of now.
 */
export function planDueSlots(
  slots: readonly DueSlot[],
  options: { now: Date; lateBefore: Date; missed: MissedPolicy; catchupWindowMs: number },
): ('fire' | 'missed')[] {
  const isLate = (slot: DueSlot) => slot.fireAt.getTime() < options.lateBefore.getTime();
  let lastLate = -1;
  slots.forEach((slot, index) => {
    if (isLate(slot)) lastLate = index;
  });
  return slots.map((slot, index) => {
    if (!isLate(slot)) return 'fire';
    switch (options.missed) {
      case 'skip':
        return 'missed';
      case 'once':
        return index === lastLate ? 'fire' : 'missed';
      case 'all':
        return slot.fireAt.getTime() >= options.now.getTime() - options.catchupWindowMs ? 'fire' : 'missed';
    }
  });
}

/** A schedule's unfinished runs when an occurrence fires. */
export interface OverlapState {
  /** Runs that are pending (not held by the schedule), running or waiting, and runs being created. */
  active: number;
  /** Runs held by the schedule until the previous one finishes (`buffer_one`, `buffer_all`). */
  buffered: number;
}

/** What an occurrence does: create a run, create it held behind the others, cancel the others first, or nothing. */
export type OverlapDecision = 'create' | 'buffer' | 'cancel_others' | 'skip';

/**
 * The overlap policy's decision for a new occurrence. With no unfinished run, every policy
 * creates one; otherwise `skip` records the occurrence without a run, `buffer_one` keeps at
 * most one run waiting, `buffer_all` queues every one, `cancel_other` cancels the unfinished runs
 * and `allow` runs them side by side.
 */
export function decideOverlap(policy: OverlapPolicy, state: OverlapState): OverlapDecision {
  if (state.active + state.buffered === 0) return 'create';
  switch (policy) {
    case 'skip':
      return 'skip';
    case 'allow':
      return 'create';
    case 'cancel_other':
      return 'cancel_others';
    case 'buffer_one':
      return state.buffered > 0 ? 'skip' : 'buffer';
    case 'buffer_all':
      return 'buffer';
  }
}

/** The state after `decision` was carried out (several occurrences of one pass decide in turn). */
export function afterOverlap(state: OverlapState, decision: OverlapDecision): OverlapState {
  switch (decision) {
    case 'create':
      return { ...state, active: state.active + 1 };
    case 'buffer':
      return { ...state, buffered: state.buffered + 1 };
    case 'cancel_others':
      return { active: 1, buffered: 0 };
    case 'skip':
      return state;
  }
}
