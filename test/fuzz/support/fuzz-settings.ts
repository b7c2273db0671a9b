import type fc from 'fast-check';

/**
 * How many cases a property runs. `npm test` runs a bounded number (`bounded`, a few thousand
 * requests for the whole fuzz suite, so it stays under a minute) with a fixed seed, so CI is
 * reproducible; `npm run test:fuzz` sets RUNQ_FUZZ_RUNS (default 20000) and a fresh seed, and
 * each property runs `RUNQ_FUZZ_RUNS * share` cases. RUNQ_FUZZ_SEED replays a reported seed.
 */
export function fuzzParameters(bounded: number, share = 1): fc.Parameters<unknown> {
  const scaled = Number(process.env['RUNQ_FUZZ_RUNS'] ?? 0);
  const numRuns = scaled > 0 ? Math.max(1, Math.round(scaled * share)) : bounded;
  const seedSetting = process.env['RUNQ_FUZZ_SEED'];
  const seed = seedSetting !== undefined ? Number(seedSetting) : scaled > 0 ? Date.now() ^ (Math.random() * 0x7fffffff) : 20261129;
  return { numRuns, seed, endOnFailure: true, verbose: 1 };
}

/**
 * A Jest timeout for a property of `numRuns` HTTP cases: a bound on a hang, not on speed. A case
 * takes about 10 ms on an idle 2-core machine, but 30 ms and more beside other suites and
 * benchmarks (a 7,000-case replay ran out of a 20 ms-per-case budget at load average 15), so
 * each case is allowed 100 ms.
 */
export function fuzzTimeoutMs(parameters: fc.Parameters<unknown>): number {
  return 60_000 + (parameters.numRuns ?? 100) * 100;
}
