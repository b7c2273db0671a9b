import {
  CREATIONS,
  RUN_STATUSES,
  TRANSITIONS,
  transitionEffects,
  canTransition,
  isAllowedMove,
  isTerminalStatus,
  statusesBefore,
  type RunStatus,
  type RunTransition,
} from './run-state.js';

/** The lifecycle contract (docs/ARCHITECTURE.md), written out independently of the implementation. */
const DESIGN_MOVES: ReadonlyArray<[RunStatus | null, RunStatus]> = [
  [null, 'pending'],
  [null, 'running'],
  ['pending', 'running'],
  ['pending', 'cancelled'],
  ['running', 'completed'],
  ['running', 'failed'],
  ['running', 'pending'],
  ['running', 'running'],
  ['running', 'waiting'],
  ['running', 'cancelled'],
  ['waiting', 'cancelled'],
  ['waiting', 'pending'],
  ['waiting', 'failed'],
];

const FROM: ReadonlyArray<RunStatus | null> = [null, ...RUN_STATUSES];
const ALL_PAIRS = FROM.flatMap((from) => RUN_STATUSES.map((to) => [from, to] as [RunStatus | null, RunStatus]));

describe('run state machine', () => {
  it.each(ALL_PAIRS)('when moving from %s to %s, then the table agrees with the lifecycle contract', (from, to) => {
    const expected = DESIGN_MOVES.some(([f, t]) => f === from && t === to);
    expect(isAllowedMove(from, to)).toBe(expected);
  });

  it.each(['completed', 'failed', 'cancelled'] as const)('when a run is %s, then no transition leaves it', (status) => {
    expect(isTerminalStatus(status)).toBe(true);
    for (const name of Object.keys(TRANSITIONS) as RunTransition[]) {
      expect(canTransition(name, status)).toBe(false);
    }
  });

  it.each(['pending', 'running', 'waiting'] as const)('when a run is %s, then it is not terminal', (status) => {
    expect(isTerminalStatus(status)).toBe(false);
  });

  it('when asking which statuses a cancel leaves from, then they are the non-terminal ones', () => {
    expect(statusesBefore('cancel').sort()).toEqual(['pending', 'running', 'waiting']);
  });

  it('when asking which statuses a creation leaves from, then there are none', () => {
    expect(statusesBefore('create')).toEqual([]);
    expect(canTransition('create', null)).toBe(true);
    expect(canTransition('create', 'pending')).toBe(false);
  });
});

describe('transition bookkeeping', () => {
  const names = Object.keys(TRANSITIONS) as RunTransition[];

  it.each(names)('when %s enters running, then it starts a new attempt (and only then)', (name) => {
    expect(transitionEffects(name).startsAttempt).toBe(TRANSITIONS[name].to === 'running');
  });

  it.each(names)('when %s is applied, then it records a wait exactly when it enters waiting and finishes exactly when its status is terminal', (name) => {
    const effects = transitionEffects(name);
    expect(effects.entersWait).toBe(TRANSITIONS[name].to === 'waiting');
    expect(effects.finishes).toBe(isTerminalStatus(TRANSITIONS[name].to));
  });

  it('when asking which transitions create a run, then they are exactly those that leave from no status', () => {
    expect([...CREATIONS].sort()).toEqual(names.filter((name) => canTransition(name, null)).sort());
  });
});
