import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before
 * it collects again, in percent. V8 picks the factor itself, up to 300 % on a machine with
 * memory to spare, and in a server process most of what reaches the old generation is garbage:
 * requests and jobs in flight outlive two young collections and die soon after, so the
 * process holds several times its live heap (about 30 MB for the API).
 *
 * Measured in the bench (Redis backend, one repetition each, peak RSS):
 *
 * | percent | API, ingest + end to end | worker, --concurrency 50 | API reads p99, worst shape |
 * | ---: | ---: | ---: | ---: |
 * | V8's own | 270 MB | 195 MB | 13 ms |
 * | 100 | 180 MB | 136 MB | 13 ms |
 * | 50 | 160 MB | 129 MB | 12 ms |
 * | 35 | 159 MB | 125 MB | 16 ms |
 * | 20 | 150 MB | 130 MB | 31 ms |
 *
 * Below 50 % the memory hardly drops further (the API holds about 135 MB at rest) while full
 * collections come so often that their pauses reach the latency of listing pages, whose rows
 * are promoted garbage; ingest and end-to-end rates were the same within the noise throughout.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The V8 flag a long-running command sets, given node's own flags (`process.execArgv`):
 * none when they already set `--heap-growing-percent`, so that an operator's choice wins.
 */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Applies {@link heapGrowthFlag} to this process. Call it before the long-running commands load their modules. */
export function tuneHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  const flag = heapGrowthFlag(execArgv);
  if (flag !== undefined) setFlagsFromString(flag);
}
