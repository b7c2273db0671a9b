import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before
 * it collects again, in percent. V8 picks the factor itself, up to 300 % on a machine with
 * memory to spare, and in a server process most of what reaches the old generation is garbage:
 * requests and jobs in flight outlive two young collections and die soon after, so the
 * process holds several times its live heap. Measured in the bench (Redis backend): the API's
 * peak RSS under 64 concurrent `POST /runs` went from 209–213 MB to 139–142 MB, and a worker's
 * (`--concurrency 50`, draining 20,000 runs) from 195 MB to 126 MB, at the same rates within
 * the noise (1,824–1,870 accepted runs/s before, 1,835–1,953/s after). Full collections run
 * more often but mark only the live heap (about 30 MB), mostly off the main thread.
 */
export const HEAP_GROWING_PERCENT = 20;

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
