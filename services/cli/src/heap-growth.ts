import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before
 * it collects again, in percent. Left to V8 (up to 300 %), a server process holds several times
 * its live heap; below 50 % memory hardly drops further while full collections start to show in
 * request latency (docs/decisions/0006-heap-growth.md).
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
