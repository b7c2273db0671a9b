import { BACK_TO_BACK_RATE, CALIBRATION_SECTION, calibrationSubject } from '../scenarios/calibration.js';
import { memoryRow } from '../scenarios/e2e.js';
import { metric, type Row, type Section } from './results.js';
import { checkTargets } from './targets.js';

function section(id: string, rows: Row[]): Section {
  return { id, title: id, description: '', columns: [], rows, comparisons: [] };
}

const runqAt300: Row = {
  subject: 'runq',
  label: 'runq @ 300/s',
  metrics: { running_p50: metric('ms', 'lower', [40, 42, 38]), running_p99: metric('ms', 'lower', [100, 110, 90]) },
  machineBusy: 0.97,
};

function echoRow(rate: number, serverMs: number): Row {
  return { subject: calibrationSubject(rate), label: `bare @ ${rate}/s`, metrics: {}, cpuMsPerOp: { echo: serverMs, load: serverMs } };
}

function latencyWhy(sections: Section[]): string | undefined {
  return checkTargets(sections, []).find((check) => check.target.startsWith('latency @ 300/s: created → running p50'))?.why;
}

describe('checkTargets: the latency targets', () => {
  it('when the run has a machine calibration, then a missed latency target quotes what a bare request cost at 300/s and back to back', () => {
    const sections = [
      section('latency-redis-300', [runqAt300]),
      section(CALIBRATION_SECTION, [echoRow(300, 0.5), echoRow(1_000, 0.3), echoRow(BACK_TO_BACK_RATE, 0.1)]),
    ];
    const why = latencyWhy(sections);
    expect(why).toContain('machine 97 % busy');
    expect(why).toContain('0.50 ms of CPU per request at 300/s');
    expect(why).toContain(`0.10 ms at ${BACK_TO_BACK_RATE.toLocaleString('en-US')}/s`);
  });

  it('when the row has the stages of created → running, then the explanation splits the median by stage', () => {
    const staged: Row = {
      ...runqAt300,
      metrics: {
        ...runqAt300.metrics,
        stage_store_p50: metric('ms', 'lower', [9, 8, 10]),
        stage_pickup_p50: metric('ms', 'lower', [4]),
        stage_claim_p50: metric('ms', 'lower', [5]),
      },
    };
    expect(latencyWhy([section('latency-redis-300', [staged])])).toContain('insert and queue add 9.0 ms, queue pickup 4.0 ms, claim 5.0 ms');
    expect(latencyWhy([section('latency-redis-300', [runqAt300])])).not.toContain('by stage');
  });

  it('when the run has no calibration, then the explanation keeps to the latency row', () => {
    const why = latencyWhy([section('latency-redis-300', [runqAt300])]);
    expect(why).toContain('machine 97 % busy');
    expect(why).not.toContain('bare Node HTTP');
  });

  it('when the latency is within the target, then it is met and carries no explanation', () => {
    const fast: Row = { ...runqAt300, metrics: { running_p50: metric('ms', 'lower', [4]), running_p99: metric('ms', 'lower', [30]) } };
    const checks = checkTargets([section('latency-redis-300', [fast])], []).filter((check) => check.target.startsWith('latency @ 300/s'));
    expect(checks.map((check) => check.met)).toEqual([true, true]);
    expect(checks.every((check) => check.why === undefined)).toBe(true);
  });
});

describe('checkTargets: the memory targets', () => {
  const memoryCheck = (memory: Row[], target: string) => checkTargets([], memory).find((check) => check.target === target);

  it('when a process peaks above the target, then the explanation gives its RSS at rest', () => {
    const check = memoryCheck([memoryRow('runq-api-redis', 'runq api', { peakMiB: 180, restMiB: 130 })], 'API peak RSS < 150 MB');
    expect(check?.met).toBe(false);
    expect(check?.why).toContain('136 MB at rest');
  });

  it('when the process showed what its memory was made of at its peak, then the explanation splits it into files, V8 spaces and native memory', () => {
    const parts = {
      peakMiB: 170,
      currentMiB: 150,
      fileMiB: 40,
      heapSpacesMiB: { new: 32, new_large_object: 0, old: 50, code: 4, large_object: 4, read_only: 0 },
    };
    const check = memoryCheck([memoryRow('runq-api-redis', 'runq api', { peakMiB: 170, restMiB: 130, parts })], 'API peak RSS < 150 MB');
    // MiB in, MB out (× 1.048576): sampled 157, files 42, young 34, old 52, other 8, native 157 − 42 − 34 − 52 − 8 = 21.
    expect(check?.why).toContain('at its highest sampled RSS, 157 MB: 42 MB mapped from files');
    expect(check?.why).toContain('V8 young generation 34 MB');
    expect(check?.why).toContain('old generation 52 MB');
    expect(check?.why).toContain('other heap spaces 8 MB');
    expect(check?.why).toContain('native memory 21 MB');
  });

  it('when the process published no heap spaces, then the explanation gives its files and sampled RSS only', () => {
    const parts = { peakMiB: 170, currentMiB: 150, fileMiB: 40, heapSpacesMiB: {} };
    const why = memoryCheck([memoryRow('runq-api-redis', 'runq api', { peakMiB: 170, restMiB: 130, parts })], 'API peak RSS < 150 MB')?.why;
    expect(why).toContain('42 MB mapped from files');
    expect(why).not.toContain('V8');
  });

  it('when a process stays under the target, then it is met with no explanation', () => {
    const check = memoryCheck([memoryRow('runq-worker-redis', 'runq worker', { peakMiB: 120, restMiB: 100 })], 'worker peak RSS < 150 MB');
    expect(check?.met).toBe(true);
    expect(check?.why).toBeUndefined();
  });
});

describe('checkTargets: the reads target', () => {
  function readRow(subject: string, p99: number, apiCores: number): Row {
    return {
      subject,
      label: `GET ${subject}`,
      metrics: { p50: metric('ms', 'lower', [5.2]), p99: metric('ms', 'lower', [p99]), rate: metric('req/s', 'higher', [610]) },
      cpuMsPerOp: { api: 1.8, postgres: 0.55 },
      cpuCores: { api: apiCores, postgres: 0.3, other: 0.02 },
      machineBusy: 0.77,
    };
  }
  const readsCheck = (rows: Row[]) => checkTargets([section('reads', rows)], []).find((check) => check.target.startsWith('reads p99'));

  it('when the slowest shape misses the target, then the explanation gives its rate, CPU per request and whether the API thread was full', () => {
    const check = readsCheck([readRow('get', 9, 0.6), readRow('list', 23.9, 1.07)]);
    expect(check?.met).toBe(false);
    expect(check?.measured).toBe('worst 23.9 ms (GET list)');
    expect(check?.why).toContain('610 requests/s, p50 5.2 ms');
    expect(check?.why).toContain('CPU per request api 1.80 + postgres 0.55 ms');
    expect(check?.why).toContain('used 1.07 cores (its one JavaScript thread was full');
  });

  it('when the API was not saturated, then the explanation does not say it was', () => {
    expect(readsCheck([readRow('list', 23.9, 0.5)])?.why).not.toContain('was full');
  });

  it('when every shape is within the target, then it is met with no explanation', () => {
    const check = readsCheck([readRow('get', 9, 0.6), readRow('list', 19.5, 1.07)]);
    expect(check?.met).toBe(true);
    expect(check?.why).toBeUndefined();
  });
});

describe('checkTargets: the PostgreSQL backend target', () => {
  const runqRow: Row = {
    subject: 'runq',
    label: 'runq',
    metrics: { rate: metric('runs/s', 'higher', [600]) },
    cpuMsPerOp: { api: 0.38, worker: 0.44, postgres: 2.61, redis: 0 },
  };
  const graphileRow: Row = { subject: 'graphile', label: 'graphile-worker', metrics: { rate: metric('runs/s', 'higher', [2200]) } };
  const postgresCheck = (section: Section) => checkTargets([section], []).find((check) => check.target.startsWith('PostgreSQL backend'));

  it("when the section measured the queue functions' share of PostgreSQL's time, then the explanation gives it beside the CPU per run", () => {
    const check = postgresCheck({ ...section('e2e-postgres', [runqRow, graphileRow]), queueStatementShare: 0.84 });
    expect(check?.met).toBe(false);
    expect(check?.why).toContain('postgres 2.61');
    expect(check?.why).toContain("BullMQ's PostgreSQL functions took 84 % of PostgreSQL's statement time");
  });

  it('when the share was not measured, then the explanation keeps to the CPU per run', () => {
    const why = postgresCheck(section('e2e-postgres', [runqRow, graphileRow]))?.why;
    expect(why).toContain('postgres 2.61');
    expect(why).not.toContain('BullMQ');
  });
});
