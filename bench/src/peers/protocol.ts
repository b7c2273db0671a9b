import type { LatencySummary } from '../stats.js';

/**
 * A peer's worker, run in its own process with a no-op handler. Settings, and why:
 * - raw BullMQ: `concurrency` jobs at once, like runq's worker (`--concurrency`);
 * - graphile-worker: `concurrency` jobs at once with a pool of `concurrency + 2` connections
 *   (its documented recommendation); batching (`localQueue`, `completeJobBatchDelay`) left at
 *   its default, off;
 * - pg-boss: `workers` polling loops, each fetching up to `batchSize` jobs every
 *   `pollingIntervalSeconds` (0.5 s is pg-boss's minimum) and completing them in one call.
 */
export type PeerWorkerSpec =
  | {
      kind: 'bullmq';
      backend: 'redis' | 'postgres';
      redisUrl: string | undefined;
      databaseUrl: string | undefined;
      queueName: string;
      prefix: string;
      concurrency: number;
    }
  | { kind: 'graphile'; databaseUrl: string; concurrency: number }
  | { kind: 'pgboss'; databaseUrl: string; queueName: string; workers: number; batchSize: number; pollingIntervalSeconds: number };

/** What a worker saw since its last reset. Times are wall-clock ms since the epoch. */
export interface DrainReport {
  /** Handler calls. */
  count: number;
  /** Jobs that had not started when the wait ended (only with `censorAfter`). */
  unstarted: number;
  /** The first handler call. */
  firstStartAt: number;
  /** When the store confirmed every expected job finished. */
  doneAt: number;
  /** Handler start minus the producer's `sent_at`, ms. */
  pickup: LatencySummary;
}

/** Messages from the orchestrator. */
export type PeerRequest =
  | { type: 'start'; spec: PeerWorkerSpec }
  | { type: 'reset' }
  /**
   * Wait until `expected` jobs ran and are recorded as finished by the store. With `censorAfter`
   * (wall-clock ms: every job was sent by then), a timeout is not an error: jobs not started
   * count with a pickup latency of (now − censorAfter), a lower bound.
   */
  | { type: 'drain'; expected: number; timeoutMs: number; censorAfter?: number }
  | { type: 'stop' };

/** Messages from the worker process. */
export type PeerReply =
  { type: 'started' } | { type: 'reset' } | { type: 'drained'; report: DrainReport } | { type: 'stopped' } | { type: 'error'; message: string };
