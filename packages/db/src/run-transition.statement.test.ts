import { TRANSITIONS, statusesBefore, type RunTransition } from '@runq/runs';
import { defineTransitionStatement, TRANSITION_COLUMNS, transitionAssignments, transitionStatementFor } from './run-transition.statement.js';

const UPDATES = (Object.keys(TRANSITIONS) as RunTransition[]).filter((name) => statusesBefore(name).length > 0);

describe('transition statements', () => {
  it.each(UPDATES)("when %s is written, then its SET list enters the rule's status and keeps the event sequence and history", (name) => {
    const set = transitionAssignments(name, TRANSITION_COLUMNS[name]);
    expect(set.get('status')).toBe(`'${TRANSITIONS[name].to}'`);
    expect(set.get('previous_status')).toBe('r.status');
    expect(set.get('event_seq')).toBe('r.event_seq + 1');
    expect(set.get('updated_at')).toBe('greatest(now(), r.updated_at)');
    for (const column of TRANSITION_COLUMNS[name]) expect(set.get(column)).toBe(`i.${column}`);
  });

  it.each(UPDATES)('when %s is written, then the claim is recorded if it starts an attempt and dropped otherwise', (name) => {
    const set = transitionAssignments(name, []);
    if (TRANSITIONS[name].startsAttempt) {
      expect(set.get('attempt')).toBe('r.attempt + 1');
      expect(set.get('lease_token')).toBe('i.claim_token');
    } else {
      expect(set.has('attempt')).toBe(false);
      expect(set.get('lease_token')).toBe('null');
      expect(set.get('lease_expires_at')).toBe('null');
    }
  });

  it.each(UPDATES)('when %s is written, then the wait is recorded only on entering waiting and the finish only on a terminal status', (name) => {
    const set = transitionAssignments(name, []);
    const to = TRANSITIONS[name].to;
    expect(set.get('waiting_reason')).toBe(to === 'waiting' ? undefined : 'null');
    expect(set.get('wait_deadline_at')?.startsWith('now() +')).toBe(to === 'waiting');
    expect(set.has('completed_at')).toBe(['completed', 'failed', 'cancelled'].includes(to));
  });

  it('when a writer sets a column the table derives, then the statement is refused', () => {
    expect(() => transitionAssignments('complete', ['status' as never])).toThrow('complete derives status');
  });

  it('when one statement settles several outcomes, then each column and guard is chosen per row by its transition', () => {
    const { statement } = defineTransitionStatement('runq_test_settle', {
      transitions: { complete: ['output'], cancel: [] },
      fences: { lease: true },
      returning: 'summary',
    });
    expect(statement.text).toContain("status = case i.transition when 'complete' then 'completed' when 'cancel' then 'cancelled' else r.status end");
    expect(statement.text).toContain("output = case i.transition when 'complete' then i.output else r.output end");
    expect(statement.text).toContain("when 'cancel' then (r.status = any('{pending,running,waiting}'::text[])) is true");
    expect(statement.text).toContain('r.lease_token = i.held_token');
  });

  it('when the same shape is asked for twice, then one statement serves both', () => {
    const spec = { transitions: { expire: ['error'] }, fences: { projects: true }, returning: 'row' } as const;
    expect(transitionStatementFor(spec)).toBe(transitionStatementFor({ ...spec }));
    expect(transitionStatementFor(spec).statement.text).toContain('r.project_id = any($');
  });
});
