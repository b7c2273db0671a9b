import type { LatencySummary } from '../stats.js';

/**
 * What a load generator drives. Each is "one enqueue" of its system:
 * - `runq-http`: `POST /runs` with a valid task body and a real API key;
 * - `runq-floor`: what that request ends in, called directly and batched as the API batches:
 *   `insertRuns` (runs and their first events, one statement per batch) and
 *   `RunQueues.enqueueRuns` (one addBulk per batch), with no HTTP, validation or auth;
 * - `bullmq`: `Queue.add` (Redis or BullMQ's PostgreSQL backend);
 * - `graphile`: `WorkerUtils.addJob`;
 * - `pgboss`: `PgBoss.send`;
 * - `runq-get`: `GET` of one of `paths` (taken in turn), expecting 200 (the reads scenario);
 * - `sql-whatif`: the statements of a run in PostgreSQL alone, as runq sends them and batched
 *   (the what-if experiments, see sql-whatif.ts).
 */
export type ProducerSpec =
  | { kind: 'runq-http'; baseUrl: string; apiKey: string; projectId: string }
  | { kind: 'runq-floor'; databaseUrl: string; redisUrl: string | undefined; queuePrefix: string; poolSize: number; projectId: string }
  | { kind: 'bullmq'; backend: 'redis' | 'postgres'; redisUrl: string | undefined; databaseUrl: string | undefined; queueName: string; prefix: string }
  | { kind: 'graphile'; databaseUrl: string }
  | { kind: 'pgboss'; databaseUrl: string; queueName: string }
  | { kind: 'runq-get'; baseUrl: string; apiKey: string; paths: string[] }
  | {
      kind: 'sql-whatif';
      databaseUrl: string;
      poolSize: number;
      projectId: string;
      variant: 'insert' | 'insert-batched' | 'lifecycle' | 'lifecycle-batched';
      /** Runs per operation (1 for the unbatched variants). */
      batch: number;
    };

/**
 * How to drive it:
 * - `closed`: `concurrency` loops, each sending its next operation when the previous one
 *   answered, for `warmupMs` (not counted) then `durationMs`;
 * - `count`: exactly `total` operations through `concurrency` loops, as fast as they go;
 * - `open`: operations at a fixed `rate` per second for `durationMs`, whether or not earlier
 *   ones have answered (latency is measured from each operation's scheduled time, so a
 *   stalled system cannot hide its backlog);
 * - `bulk`: `total` jobs through the system's batch API (peers' queue pre-fill only).
 */
export type LoadPlan =
  | { mode: 'closed'; concurrency: number; warmupMs: number; durationMs: number }
  | { mode: 'count'; concurrency: number; total: number }
  | { mode: 'open'; rate: number; durationMs: number }
  | { mode: 'bulk'; total: number };

/** What a load run measured. Times are wall-clock milliseconds since the epoch. */
export interface LoadResult {
  ok: number;
  errors: number;
  /** The first few error messages. */
  errorSamples: string[];
  /** When the first measured operation was sent and when the last one answered. */
  startedAt: number;
  endedAt: number;
  /** The measured window (closed and open loops: the configured duration; count and bulk: first send to last answer). */
  elapsedMs: number;
  /** Operations per second in the measured window. */
  rate: number;
  /** Operation latency as the client saw it, in ms. */
  latency: LatencySummary;
}

/** Messages from the orchestrator to a load child. */
export type LoadRequest = { type: 'open'; spec: ProducerSpec } | { type: 'run'; plan: LoadPlan } | { type: 'close' };

/** Messages from a load child. */
export type LoadReply = { type: 'opened' } | { type: 'result'; result: LoadResult } | { type: 'closed' } | { type: 'error'; message: string };
