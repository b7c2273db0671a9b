import type { RunStatus } from '@runq/runs';
import { eventLogProblems, type ObservedRunEvent } from '../support/event-log.js';

const RUN = 'run_01JDX3Q8Z1R6M1V2X8B3C4D5E6';

/** A log from `[from, to, attempt]` steps, numbered and timed in order. */
function log(...steps: [RunStatus | null, RunStatus, number][]): ObservedRunEvent[] {
  return steps.map(([from_status, to_status, attempt], index) => ({
    seq: index + 1,
    run_id: RUN,
    from_status,
    to_status,
    attempt,
    at: new Date(Date.UTC(2026, 10, 29, 5, 0, index)).toISOString(),
    data: null,
  }));
}

// The checker every lifecycle suite relies on must itself reject what it is meant to reject.
describe('the event log checker', () => {
  it.each([
    ['a completed run', log([null, 'pending', 0], ['pending', 'running', 1], ['running', 'completed', 1])],
    ['a retried run', log([null, 'pending', 0], ['pending', 'running', 1], ['running', 'pending', 1], ['pending', 'running', 2], ['running', 'failed', 2])],
    ['a run taken over after a crash', log([null, 'pending', 0], ['pending', 'running', 1], ['running', 'running', 2], ['running', 'completed', 2])],
    [
      'a waited and resumed run',
      log(
        [null, 'pending', 0],
        ['pending', 'running', 1],
        ['running', 'waiting', 1],
        ['waiting', 'pending', 1],
        ['pending', 'running', 2],
        ['running', 'cancelled', 2],
      ),
    ],
    ['an expired wait', log([null, 'pending', 0], ['pending', 'running', 1], ['running', 'waiting', 1], ['waiting', 'failed', 1])],
    [
      'a caller-executed run',
      log([null, 'running', 1], ['running', 'waiting', 1], ['waiting', 'pending', 1], ['pending', 'running', 2], ['running', 'completed', 2]),
    ],
    ['a run still in progress', log([null, 'pending', 0], ['pending', 'running', 1])],
  ])('when the log of %s is checked, then it is valid', (_what, events) => {
    expect(eventLogProblems(RUN, events)).toEqual([]);
  });

  const valid = () => log([null, 'pending', 0], ['pending', 'running', 1], ['running', 'completed', 1]);

  it.each<[string, (events: ObservedRunEvent[]) => ObservedRunEvent[], RegExp]>([
    ['an empty log', () => [], /empty/],
    ['a gap in seq', (events) => [events[0]!, { ...events[1]!, seq: 3 }, { ...events[2]!, seq: 4 }], /seq is 3, expected 2/],
    ['a first event that is not a creation', (events) => events.slice(1).map((event, index) => ({ ...event, seq: index + 1 })), /must create the run/],
    ['a move the table does not have', () => log([null, 'pending', 0], ['pending', 'completed', 0]), /no such move/],
    [
      'a from_status that is not the previous to_status',
      (events) => [events[0]!, events[1]!, { ...events[2]!, from_status: 'waiting', to_status: 'failed' }],
      /leaves waiting/,
    ],
    ['an event after a terminal one', () => log([null, 'pending', 0], ['pending', 'cancelled', 0], ['cancelled', 'pending', 0]), /follows the terminal event/],
    [
      'an attempt that decreases',
      () => log([null, 'pending', 0], ['pending', 'running', 1], ['running', 'running', 2], ['running', 'completed', 1]),
      /attempt decreased/,
    ],
    ['a claim that does not start a new attempt', () => log([null, 'pending', 0], ['pending', 'running', 0]), /expected 1 \(a new attempt\)/],
    ['an event of another run', (events) => [events[0]!, { ...events[1]!, run_id: 'run_other' }, events[2]!], /run_id is run_other/],
    ['time going back', (events) => [events[0]!, events[1]!, { ...events[2]!, at: events[0]!.at }], /back in time/],
  ])('when the log has %s, then the checker reports it', (_what, mutate, problem) => {
    const problems = eventLogProblems(RUN, mutate(valid()));
    expect(problems.join('\n')).toMatch(problem);
  });
});
