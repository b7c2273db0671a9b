import { RUN_KINDS, TRANSITIONS } from '@runq/runs';
import { RunqMetrics } from './metrics.js';

/** The value of the sample `name{labels}` in a text exposition, or undefined when absent. */
function sampleOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('RunqMetrics', () => {
  it('when a process starts, then every kind has zero samples before any run', async () => {
    const { body } = await new RunqMetrics({ service: 'api' }).render();
    for (const kind of RUN_KINDS) {
      expect(sampleOf(body, 'runq_runs_created_total', { kind, service: 'api' })).toBe(0);
      expect(sampleOf(body, 'runq_run_attempts_total', { kind })).toBe(0);
      expect(sampleOf(body, 'runq_run_retries_total', { kind })).toBe(0);
      expect(sampleOf(body, 'runq_run_queue_wait_seconds_count', { kind })).toBe(0);
      expect(sampleOf(body, 'runq_run_queue_wait_seconds_bucket', { kind, le: '+Inf' })).toBe(0);
      for (const status of ['completed', 'failed', 'cancelled']) {
        expect(sampleOf(body, 'runq_run_duration_seconds_count', { kind, status })).toBe(0);
      }
    }
  });

  it('when a process starts, then every move of the transition table is exposed at 0 for every kind', async () => {
    const { body } = await new RunqMetrics({ service: 'worker' }).render();
    for (const kind of RUN_KINDS) {
      for (const rule of Object.values(TRANSITIONS)) {
        for (const from of rule.from) expect(sampleOf(body, 'runq_run_transitions_total', { kind, from: from ?? 'new', to: rule.to })).toBe(0);
      }
    }
    expect(sampleOf(body, 'runq_run_transitions_total', { kind: 'task', from: 'completed', to: 'running' })).toBeUndefined();
  });

  it('when a run is counted, then its sample moves from 0 and the others stay at 0', async () => {
    const metrics = new RunqMetrics({ service: 'api' });
    metrics.runsCreated.inc({ kind: 'eval' });
    metrics.observeTransition({ kind: 'eval', previous_status: null, status: 'pending' });
    const { body } = await metrics.render();
    expect(sampleOf(body, 'runq_runs_created_total', { kind: 'eval' })).toBe(1);
    expect(sampleOf(body, 'runq_runs_created_total', { kind: 'agent' })).toBe(0);
    expect(sampleOf(body, 'runq_run_transitions_total', { kind: 'eval', from: 'new', to: 'pending' })).toBe(1);
  });
});
