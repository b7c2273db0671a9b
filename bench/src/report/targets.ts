import { BACK_TO_BACK_RATE, CALIBRATION_SECTION, calibrationSubject } from '../scenarios/calibration.js';
import { LATENCY_STAGES } from '../scenarios/latency.js';
import type { Row, Section, TargetCheck } from './results.js';

function rowOf(sections: Section[], sectionId: string, subject: string): Row | undefined {
  return sections.find((section) => section.id === sectionId)?.rows.find((row) => row.subject === subject);
}

function value(sections: Section[], sectionId: string, subject: string, metricName: string): number | undefined {
  const found = rowOf(sections, sectionId, subject)?.metrics[metricName]?.median;
  return found === undefined || Number.isNaN(found) ? undefined : found;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function check(target: string, measured: number | undefined, passes: (n: number) => boolean, show: (n: number) => string, why?: string): TargetCheck {
  if (measured === undefined) return { target, measured: 'not measured', met: undefined };
  const met = passes(measured);
  return { target, measured: show(measured), met, ...(why && !met ? { why } : {}) };
}

/** runq's own process roles, whose CPU per run bounds its throughput. */
const RUNQ_ROLES = ['api', 'worker', 'postgres', 'redis'] as const;
/** Cores of the machine the targets are set for. */
const CORES = 2;

/** How loaded the machine was during the row's windows: its busy share (with `busy`), and the cores other processes took when they took more than a little. */
function machineLoad(row: Row, options: { busy: boolean }): string[] {
  const parts: string[] = [];
  if (options.busy && row.machineBusy !== undefined) parts.push(`machine ${fmt(row.machineBusy * 100)} % busy`);
  const other = row.cpuCores?.['other'];
  if (other !== undefined && other > 0.15) parts.push(`other processes took ${fmt(other, 2)} cores`);
  return parts;
}

/**
 * What bounds a throughput figure, from the row's CPU per operation: each Node process is
 * single-threaded, so a role needing `m` ms per run caps at 1000/m runs/s; all roles together
 * need their sum on `CORES` cores; and CPU the rest of the machine used was not available.
 */
function throughputBound(row: Row | undefined): string | undefined {
  const perOp = row?.cpuMsPerOp;
  if (!row || !perOp) return undefined;
  const roles = RUNQ_ROLES.filter((role) => (perOp[role] ?? 0) > 0);
  if (roles.length === 0) return undefined;
  const total = roles.reduce((sum, role) => sum + (perOp[role] ?? 0), 0);
  const busiest = roles.filter((role) => role === 'api' || role === 'worker').sort((a, b) => (perOp[b] ?? 0) - (perOp[a] ?? 0))[0];
  const parts = [
    `CPU per run ${roles.map((role) => `${role} ${fmt(perOp[role] ?? 0, 2)}`).join(' + ')} = ${fmt(total, 2)} ms: at most ${fmt((CORES * 1000) / total)}/s on ${CORES} cores`,
  ];
  if (busiest) parts.push(`the ${busiest} process (one thread) at most ${fmt(1000 / (perOp[busiest] ?? 1))}/s`);
  parts.push(...machineLoad(row, { busy: false }));
  return parts.join('; ');
}

/**
 * What one bare HTTP request cost this machine at `rate` and when requests come back to back
 * (the calibration section), e.g. "0.9 ms at 300/s vs 0.2 ms at 3000/s".
 */
function requestCostByRate(sections: Section[], rate: number): string | undefined {
  const perRequest = (at: number) => rowOf(sections, CALIBRATION_SECTION, calibrationSubject(at))?.cpuMsPerOp?.['echo'];
  const slow = perRequest(rate);
  const fast = perRequest(BACK_TO_BACK_RATE);
  if (slow === undefined || fast === undefined) return undefined;
  return `a bare Node HTTP server spends ${fmt(slow, 2)} ms of CPU per request at ${rate}/s and ${fmt(fast, 2)} ms at ${fmt(BACK_TO_BACK_RATE)}/s on this machine (calibration), and every run makes several such hops`;
}

/** What stretches a latency: how busy the machine was while it was measured, and what a request costs it at that rate. */
function latencyBound(row: Row | undefined, sections: Section[], rate: number): string | undefined {
  if (!row) return undefined;
  const parts: string[] = [];
  const sent = row.metrics['sent_running_p50']?.median;
  if (sent !== undefined && Number.isFinite(sent)) parts.push(`sent → running p50 ${fmt(sent, 1)} ms (HTTP and ingest before created_at included)`);
  const byStage = LATENCY_STAGES.flatMap(({ metric, label }) => {
    const p50 = row.metrics[`${metric}_p50`]?.median;
    return p50 === undefined ? [] : [`${label} ${fmt(p50, 1)} ms`];
  });
  if (byStage.length === LATENCY_STAGES.length) parts.push(`created → running p50 by stage: ${byStage.join(', ')}`);
  parts.push(...machineLoad(row, { busy: true }));
  const calibration = requestCostByRate(sections, rate);
  if (calibration) parts.push(calibration);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Cores above which a Node process is taken as saturated: one JavaScript thread, plus a little GC and I/O on others. */
const SATURATED_CORES = 0.9;

/**
 * What bounds a read shape's latency: each client sends its next request when the previous one
 * answered, so the shape runs at the rate the processes allow, and p50 is about the clients
 * in flight divided by that rate; its CPU per request, and whether the API's thread was full.
 */
function readsBound(row: Row | undefined): string | undefined {
  if (!row) return undefined;
  const parts: string[] = [];
  const rate = row.metrics['rate']?.median;
  const p50 = row.metrics['p50']?.median;
  if (rate !== undefined && p50 !== undefined) parts.push(`closed-loop clients at ${fmt(rate)} requests/s, p50 ${fmt(p50, 1)} ms`);
  const perOp = row.cpuMsPerOp;
  if (perOp) parts.push(`CPU per request api ${fmt(perOp['api'] ?? 0, 2)} + postgres ${fmt(perOp['postgres'] ?? 0, 2)} ms`);
  const apiCores = row.cpuCores?.['api'];
  if (apiCores !== undefined) {
    parts.push(
      `the api process used ${fmt(apiCores, 2)} cores${apiCores >= SATURATED_CORES ? ' (its one JavaScript thread was full, so requests waited for each other)' : ''}`,
    );
  }
  parts.push(...machineLoad(row, { busy: true }));
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * What a process's peak memory is made of: its RSS at rest and the
 * pages mapped from files and V8's heap spaces at its highest sampled RSS (the rest is native memory).
 */
function memoryBound(memory: Row[], subject: string): string | undefined {
  const mem = (metric: string) => memory.find((row) => row.subject === subject)?.metrics[metric]?.median;
  const rest = mem('rest_rss');
  if (rest === undefined) return undefined;
  const parts = [`${fmt(rest)} MB at rest (started, before any load: modules, compiled contract, pools); the rest is the load's`];
  const [sampled, files, young, old, other] = ['sampled_rss', 'file_rss', 'v8_young', 'v8_old', 'v8_other'].map(mem);
  if (sampled !== undefined && files !== undefined) {
    let composition = `at its highest sampled RSS, ${fmt(sampled)} MB: ${fmt(files)} MB mapped from files (the node executable and its libraries)`;
    if (young !== undefined && old !== undefined && other !== undefined) {
      composition += `, V8 young generation ${fmt(young)} MB (its semi-spaces, bounded by --max-semi-space-size), old generation ${fmt(old)} MB (live objects, and garbage until the next full collection), other heap spaces ${fmt(other)} MB, native memory ${fmt(Math.max(0, sampled - files - young - old - other))} MB`;
    }
    parts.push(composition);
  }
  return parts.join('; ');
}

/** What bounds runq on the PostgreSQL queue backend: its CPU per run, and how much of PostgreSQL's time went to the queue's functions. */
function postgresBackendBound(sections: Section[]): string | undefined {
  const cpu = throughputBound(rowOf(sections, 'e2e-postgres', 'runq'));
  const share = sections.find((section) => section.id === 'e2e-postgres')?.queueStatementShare;
  const queue =
    share === undefined ? undefined : `BullMQ's PostgreSQL functions took ${fmt(share * 100)} % of PostgreSQL's statement time, runq's own statements the rest`;
  return [cpu, queue].filter((part) => part !== undefined).join('; ') || undefined;
}

/** The issue's targets, checked against this run's medians (Redis backend unless stated). */
export function checkTargets(sections: Section[], memory: Row[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ingest = value(sections, 'ingest-redis', 'runq', 'rate');
  const ingestWhy = throughputBound(rowOf(sections, 'ingest-redis', 'runq'));
  checks.push(
    check(
      'ingest ≥ 2,500 accepted runs/s',
      ingest,
      (n) => n >= 2500,
      (n) => `${fmt(n)}/s`,
      ingestWhy,
    ),
  );
  checks.push(
    check(
      'ingest p99 < 50 ms',
      value(sections, 'ingest-redis', 'runq', 'p99'),
      (n) => n < 50,
      (n) => `${fmt(n, 1)} ms`,
      ingestWhy && `64 requests in flight at the rate above (${ingestWhy})`,
    ),
  );
  const graphileAdd = value(sections, 'ingest-redis', 'graphile', 'rate');
  const bossSend = value(sections, 'ingest-redis', 'pgboss', 'rate');
  checks.push(
    check(
      'ingest ≥ 3x graphile-worker addJob',
      ingest !== undefined && graphileAdd ? ingest / graphileAdd : undefined,
      (n) => n >= 3,
      (n) => `${fmt(n, 2)}x`,
      ingestWhy,
    ),
  );
  checks.push(
    check(
      'ingest ≥ 2x pg-boss send',
      ingest !== undefined && bossSend ? ingest / bossSend : undefined,
      (n) => n >= 2,
      (n) => `${fmt(n, 2)}x`,
      ingestWhy,
    ),
  );
  const e2e = value(sections, 'e2e-redis', 'runq', 'rate');
  const e2eWhy = throughputBound(rowOf(sections, 'e2e-redis', 'runq'));
  checks.push(
    check(
      'end to end ≥ 1,500 completed runs/s',
      e2e,
      (n) => n >= 1500,
      (n) => `${fmt(n)}/s`,
      e2eWhy,
    ),
  );
  const graphileDrain = value(sections, 'e2e-redis', 'graphile', 'rate');
  const bossDrain = value(sections, 'e2e-redis', 'pgboss', 'rate');
  const fasterPeer = Math.max(graphileDrain ?? Number.NaN, bossDrain ?? Number.NaN);
  checks.push(
    check(
      'end to end ≥ 1.2x the faster of graphile-worker and pg-boss draining',
      e2e !== undefined && Number.isFinite(fasterPeer) ? e2e / fasterPeer : undefined,
      (n) => n >= 1.2,
      (n) => `${fmt(n, 2)}x (peer ${fmt(fasterPeer)}/s)`,
      e2eWhy,
    ),
  );
  const latencyWhy = latencyBound(rowOf(sections, 'latency-redis-300', 'runq'), sections, 300);
  checks.push(
    check(
      'latency @ 300/s: created → running p50 ≤ 5 ms',
      value(sections, 'latency-redis-300', 'runq', 'running_p50'),
      (n) => n <= 5,
      (n) => `${fmt(n, 1)} ms`,
      latencyWhy,
    ),
  );
  checks.push(
    check(
      'latency @ 300/s: created → running p99 ≤ 50 ms',
      value(sections, 'latency-redis-300', 'runq', 'running_p99'),
      (n) => n <= 50,
      (n) => `${fmt(n, 1)} ms`,
      latencyWhy,
    ),
  );
  for (const backend of ['redis', 'postgres'] as const) {
    checks.push(
      check(
        `flow control (${backend}): a held run starts ≤ 50 ms after its slot frees (p99)`,
        value(sections, `flow-${backend}`, 'runq-release', 'p99'),
        (n) => n <= 50,
        (n) => `${fmt(n, 1)} ms`,
      ),
    );
    checks.push(
      check(
        `fairness (${backend}): beside another project's backlog, a quiet project's run starts ≤ 1 s after creation (p99)`,
        value(sections, `fairness-${backend}`, 'runq-quiet', 'p99'),
        (n) => n <= 1_000,
        (n) => `${fmt(n, 1)} ms`,
      ),
    );
    const besideRate = value(sections, `fairness-${backend}`, 'runq-quiet', 'rate');
    const aloneRate = value(sections, `fairness-${backend}`, 'runq-alone', 'rate');
    checks.push(
      check(
        `fairness (${backend}): the backlog drains beside the quiet project at ≥ 0.9x its rate alone (it keeps the rest of the pool)`,
        besideRate !== undefined && aloneRate ? besideRate / aloneRate : undefined,
        (n) => n >= 0.9,
        (n) => `${fmt(n, 2)}x`,
      ),
    );
  }
  const reads = sections.find((section) => section.id === 'reads');
  const p99 = (row: Row) => row.metrics['p99']?.median ?? 0;
  const worstRow = reads?.rows.reduce<Row | undefined>((worst, row) => (!worst || p99(row) > p99(worst) ? row : worst), undefined);
  checks.push(
    check(
      'reads p99 ≤ 20 ms (every shape)',
      worstRow?.metrics['p99']?.median,
      (n) => n <= 20,
      (n) => `worst ${fmt(n, 1)} ms (${worstRow?.label ?? ''})`,
      readsBound(worstRow),
    ),
  );
  const peak = (subject: string) => memory.find((row) => row.subject === subject)?.metrics['peak_rss']?.median;
  checks.push(
    check(
      'API peak RSS < 150 MB',
      peak('runq-api-redis'),
      (n) => n < 150,
      (n) => `${fmt(n)} MB`,
      memoryBound(memory, 'runq-api-redis'),
    ),
  );
  checks.push(
    check(
      'worker peak RSS < 150 MB',
      peak('runq-worker-redis'),
      (n) => n < 150,
      (n) => `${fmt(n)} MB`,
      memoryBound(memory, 'runq-worker-redis'),
    ),
  );
  const pgE2e = value(sections, 'e2e-postgres', 'runq', 'rate');
  const pgGraphile = value(sections, 'e2e-postgres', 'graphile', 'rate');
  checks.push(
    check(
      'PostgreSQL backend: end to end ≥ graphile-worker drain',
      pgE2e !== undefined && pgGraphile ? pgE2e / pgGraphile : undefined,
      (n) => n >= 1,
      (n) => `${fmt(n, 2)}x (${fmt(pgE2e ?? 0)}/s vs ${fmt(pgGraphile ?? 0)}/s)`,
      postgresBackendBound(sections),
    ),
  );
  return checks;
}
