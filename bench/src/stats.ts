/**
 * Numbers: percentiles of latency samples and medians of repetitions. Everything the bench
 * reports goes through these, so every figure is computed the same way.
 */

/** A latency distribution in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

let anchor = Date.now() - performance.now();

/**
 * Wall-clock milliseconds since the epoch, with sub-millisecond precision, comparable across
 * processes on one machine (and with `Date.now()` stamps of runq and the database clock).
 * `performance.timeOrigin + performance.now()` is not: each process's time origin may be off by
 * milliseconds, and the monotonic clock drifts from the wall clock over a run (pickup latencies
 * between two processes came out negative). So the monotonic clock is kept within the wall
 * clock's current millisecond, and re-anchored when it leaves it.
 */
export function wallNow(): number {
  const wall = Date.now();
  const now = anchor + performance.now();
  if (now >= wall && now < wall + 1) return now;
  anchor = wall - performance.now();
  return wall;
}

/** The `q`-quantile (0..1) of sorted values, nearest-rank. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Summarises latency samples (milliseconds). An empty sample gives NaN everywhere but `count`. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: quantileOfSorted(sorted, 0.5),
    p90: quantileOfSorted(sorted, 0.9),
    p99: quantileOfSorted(sorted, 0.99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** The median of the repetitions (the mean of the middle two for an even count); NaN values are ignored. */
export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? (finite[middle] ?? Number.NaN) : ((finite[middle - 1] ?? 0) + (finite[middle] ?? 0)) / 2;
}

/** A growable list of samples that does not allocate per sample. */
export class SampleBuffer {
  private values = new Float64Array(4096);
  private size = 0;

  push(value: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size] = value;
    this.size += 1;
  }

  get length(): number {
    return this.size;
  }

  summary(): LatencySummary {
    return summarize(this.values.subarray(0, this.size));
  }

  clear(): void {
    this.size = 0;
  }
}
