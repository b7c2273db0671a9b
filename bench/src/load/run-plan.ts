import { SampleBuffer, wallNow } from '../stats.js';
import type { LoadPlan, LoadResult } from './protocol.js';
import type { Producer } from './producers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects outcomes of operations. */
class Tally {
  ok = 0;
  errors = 0;
  readonly errorSamples: string[] = [];
  readonly latency = new SampleBuffer();
  first = Number.POSITIVE_INFINITY;
  last = 0;

  success(startedAt: number, endedAt: number, from = startedAt): void {
    this.ok += 1;
    this.latency.push(endedAt - from);
    this.first = Math.min(this.first, startedAt);
    this.last = Math.max(this.last, endedAt);
  }

  failure(error: unknown): void {
    this.errors += 1;
    if (this.errorSamples.length < 5) this.errorSamples.push(error instanceof Error ? error.message : String(error));
  }

  result(elapsedMs: number): LoadResult {
    return {
      ok: this.ok,
      errors: this.errors,
      errorSamples: this.errorSamples,
      startedAt: Number.isFinite(this.first) ? this.first : Number.NaN,
      endedAt: this.last,
      elapsedMs,
      rate: elapsedMs > 0 ? (this.ok / elapsedMs) * 1000 : Number.NaN,
      latency: this.latency.summary(),
    };
  }
}

async function closedLoop(producer: Producer, plan: Extract<LoadPlan, { mode: 'closed' }>): Promise<LoadResult> {
  const tally = new Tally();
  const start = wallNow();
  const measureFrom = start + plan.warmupMs;
  const end = measureFrom + plan.durationMs;
  let seq = 0;
  const loop = async () => {
    while (wallNow() < end) {
      const sentAt = wallNow();
      seq += 1;
      try {
        await producer.send(seq, sentAt);
        const doneAt = wallNow();
        // Only operations sent after the warm-up and answered within the window count.
        if (sentAt >= measureFrom && doneAt <= end) tally.success(sentAt, doneAt);
      } catch (error) {
        if (sentAt >= measureFrom) tally.failure(error);
        // A failing system must not turn the loop into a busy spin.
        await sleep(5);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, loop));
  return tally.result(plan.durationMs);
}

async function countLoop(producer: Producer, plan: Extract<LoadPlan, { mode: 'count' }>): Promise<LoadResult> {
  const tally = new Tally();
  let next = 0;
  const loop = async () => {
    while (next < plan.total) {
      next += 1;
      const sentAt = wallNow();
      try {
        await producer.send(next, sentAt);
        tally.success(sentAt, wallNow());
      } catch (error) {
        tally.failure(error);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, loop));
  return tally.result(tally.last - tally.first);
}

/**
 * Sends at a fixed rate whatever the system does. Each operation has a scheduled time
 * (start + i / rate); its latency is measured from that time, so time spent waiting to be sent
 * behind a slow system counts (no coordinated omission).
 */
async function openLoop(producer: Producer, plan: Extract<LoadPlan, { mode: 'open' }>): Promise<LoadResult> {
  const tally = new Tally();
  const start = wallNow();
  const total = Math.round((plan.rate * plan.durationMs) / 1000);
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor(((wallNow() - start) * plan.rate) / 1000) + 1);
    while (issued < due) {
      const scheduled = start + (issued * 1000) / plan.rate;
      issued += 1;
      const sentAt = wallNow();
      const operation = producer.send(issued, sentAt).then(
        () => tally.success(sentAt, wallNow(), scheduled),
        (error: unknown) => tally.failure(error),
      );
      inFlight.add(operation);
      void operation.finally(() => inFlight.delete(operation));
    }
    const nextAt = start + (issued * 1000) / plan.rate;
    await sleep(Math.max(0, Math.min(5, nextAt - wallNow())));
  }
  const drainDeadline = wallNow() + 60_000;
  while (inFlight.size > 0 && wallNow() < drainDeadline) await Promise.race([...inFlight, sleep(100)]);
  return tally.result(plan.durationMs);
}

async function bulk(producer: Producer, plan: Extract<LoadPlan, { mode: 'bulk' }>): Promise<LoadResult> {
  if (!producer.sendBulk) throw new Error('this producer has no batch API');
  const tally = new Tally();
  const sentAt = wallNow();
  await producer.sendBulk(plan.total, sentAt);
  const doneAt = wallNow();
  tally.ok = plan.total;
  tally.first = sentAt;
  tally.last = doneAt;
  return tally.result(doneAt - sentAt);
}

/** Runs one load plan against a producer. */
export function runPlan(producer: Producer, plan: LoadPlan): Promise<LoadResult> {
  switch (plan.mode) {
    case 'closed':
      return closedLoop(producer, plan);
    case 'count':
      return countLoop(producer, plan);
    case 'open':
      return openLoop(producer, plan);
    case 'bulk':
      return bulk(producer, plan);
  }
}
