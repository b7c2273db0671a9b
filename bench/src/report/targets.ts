import type { Row, Section, TargetCheck } from './results.js';

function rowOf(sections: Section[], sectionId: string, subject: string): Row | undefined {
  return sections.find((section) => section.id === sectionId)?.rows.find((row) => row.subject === subject);
}

function value(sections: Section[], sectionId: string, subject: string, metricName: string): number | undefined {
  const found = rowOf(sections, sectionId, subject)?.metrics[metricName]?.median;
  return found === undefined || Number.isNaN(found) ? undefined : found;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function check(target: string, measured: number | undefined, passes: (n: number) => boolean, show: (n: number) => string): TargetCheck {
  if (measured === undefined) return { target, measured: 'not measured', met: undefined };
  return { target, measured: show(measured), met: passes(measured) };
}

/** The targets, checked against this run's medians (Redis backend unless stated). */
export function checkTargets(sections: Section[], memory: Row[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ingest = value(sections, 'ingest-redis', 'runq', 'rate');
  checks.push(check('ingest ≥ 2,500 accepted runs/s', ingest, (n) => n >= 2500, (n) => `${fmt(n)}/s`));
  checks.push(check('ingest p99 < 50 ms', value(sections, 'ingest-redis', 'runq', 'p99'), (n) => n < 50, (n) => `${fmt(n, 1)} ms`));
  const graphileAdd = value(sections, 'ingest-redis', 'graphile', 'rate');
  const bossSend = value(sections, 'ingest-redis', 'pgboss', 'rate');
  checks.push(
    check('ingest ≥ 3x graphile-worker addJob', ingest !== undefined && graphileAdd ? ingest / graphileAdd : undefined, (n) => n >= 3, (n) => `${fmt(n, 2)}x`),
  );
  checks.push(check('ingest ≥ 2x pg-boss send', ingest !== undefined && bossSend ? ingest / bossSend : undefined, (n) => n >= 2, (n) => `${fmt(n, 2)}x`));
  const e2e = value(sections, 'e2e-redis', 'runq', 'rate');
  checks.push(check('end to end ≥ 1,500 completed runs/s', e2e, (n) => n >= 1500, (n) => `${fmt(n)}/s`));
  const graphileDrain = value(sections, 'e2e-redis', 'graphile', 'rate');
  const bossDrain = value(sections, 'e2e-redis', 'pgboss', 'rate');
  const fasterPeer = Math.max(graphileDrain ?? Number.NaN, bossDrain ?? Number.NaN);
  checks.push(
    check(
      'end to end ≥ 1.2x the faster of graphile-worker and pg-boss draining',
      e2e !== undefined && Number.isFinite(fasterPeer) ? e2e / fasterPeer : undefined,
      (n) => n >= 1.2,
      (n) => `${fmt(n, 2)}x (peer ${fmt(fasterPeer)}/s)`,
    ),
  );
  checks.push(check('latency @ 300/s: created → running p50 ≤ 5 ms', value(sections, 'latency-redis-300', 'runq', 'running_p50'), (n) => n <= 5, (n) => `${fmt(n, 1)} ms`));
  checks.push(check('latency @ 300/s: created → running p99 ≤ 50 ms', value(sections, 'latency-redis-300', 'runq', 'running_p99'), (n) => n <= 50, (n) => `${fmt(n, 1)} ms`));
  const reads = sections.find((section) => section.id === 'reads');
  const worstRead = reads ? Math.max(...reads.rows.map((row) => row.metrics['p99']?.median ?? Number.NaN)) : undefined;
  const worstLabel = reads?.rows.reduce((worst, row) => ((row.metrics['p99']?.median ?? 0) > (worst.metrics['p99']?.median ?? 0) ? row : worst), reads.rows[0] as Row)?.label;
  checks.push(check('reads p99 ≤ 20 ms (every shape)', worstRead, (n) => n <= 20, (n) => `worst ${fmt(n, 1)} ms (${worstLabel ?? ''})`));
  const mem = (subject: string) => memory.find((row) => row.subject === subject)?.metrics['peak_rss']?.median;
  checks.push(check('API peak RSS < 150 MB', mem('runq-api-redis'), (n) => n < 150, (n) => `${fmt(n)} MB`));
  checks.push(check('worker peak RSS < 150 MB', mem('runq-worker-redis'), (n) => n < 150, (n) => `${fmt(n)} MB`));
  const pgE2e = value(sections, 'e2e-postgres', 'runq', 'rate');
  const pgGraphile = value(sections, 'e2e-postgres', 'graphile', 'rate');
  checks.push(
    check(
      'PostgreSQL backend: end to end ≥ graphile-worker drain',
      pgE2e !== undefined && pgGraphile ? pgE2e / pgGraphile : undefined,
      (n) => n >= 1,
      (n) => `${fmt(n, 2)}x (${fmt(pgE2e ?? 0)}/s vs ${fmt(pgGraphile ?? 0)}/s)`,
    ),
  );
  return checks;
}
