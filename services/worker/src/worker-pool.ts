import { hostname } from 'node:os';
import type { Worker } from 'bullmq';
import type { Logger } from '@runq/config';
import { openDatabase } from '@runq/db';
import { RECONCILER_REPAIR_ACTIONS, RunqMetrics } from '@runq/metrics';
import { RunQueues } from '@runq/queue';
import { ActiveAttempts } from './active-attempts.js';
import { CancellationListener } from './cancellation-listener.js';
import type { WorkerConfig } from './config.js';
import { DEAD_WORKER_CHECK_INTERVAL_MS, DeadWorkerDetector } from './dead-worker-detector.js';
import { HandlerModuleError, loadHandlerModule, type HandlerModule } from './handler-module.js';
import { LeaderElection } from './leader-election.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';
import { Reconciler } from './reconciler.js';
import { RunExecutor } from './run-executor.js';
import { RunRetention } from './run-retention.js';
import { WorkerPresence } from './worker-presence.js';

/** After the grace period, how long aborted attempts get to settle before the queue workers are forced closed. */
const SETTLE_AFTER_ABORT_MS = 2_000;

/** A running worker process's machinery. */
export interface WorkerPool {
  /** Identifies this process in run events. */
  readonly workerId: string;
  /** The metrics this pool records. */
  readonly metrics: RunqMetrics;
  /** URL of this process's `/metrics`, when served (`RUNQ_WORKER_METRICS_PORT`). */
  readonly metricsUrl: string | undefined;
  /** Runs one reconciler pass now (whether or not this process leads). */
  reconcileNow(): Promise<unknown>;
  /** Stops taking runs, waits up to the grace period for running handlers, then closes everything. */
  close(): Promise<void>;
}

/**
 * Starts one BullMQ worker per configured kind, the cancellation listener and the
 * reconciler. Handlers come from `handlers` when given, else from `config.handlersPath`.
 * `metrics` lets a process that also runs the API (`runq start`) share one registry.
 */
export async function startWorkerPool(
  config: Readonly<WorkerConfig>,
  log: Logger,
  handlers?: HandlerModule,
  sharedMetrics?: RunqMetrics,
): Promise<WorkerPool> {
  const module = handlers ?? (config.handlersPath ? await loadHandlerModule(config.handlersPath) : undefined);
  if (!module) throw new HandlerModuleError('no handlers: pass --handlers PATH (an ES module or CommonJS file)');
  const workerId = `${hostname()}:${process.pid}`;
  const db = openDatabase(config.databaseUrl, {
    applicationName: 'runq-worker',
    indexLookupsOnly: true,
    maxConnections: Math.min(20, 2 + config.kinds.reduce((sum, kind) => sum + config.concurrency[kind], 0)),
    onPoolError: (err) => log.warn({ err }, 'database connection lost'),
  });
  const queues = RunQueues.open({ databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const attempts = new ActiveAttempts();
  const listener = new CancellationListener(config.databaseUrl, attempts, log);
  // Held before any run is claimed: every claim records this process's presence id.
  const presence = new WorkerPresence({ databaseUrl: config.databaseUrl, db, log });
  try {
    await listener.start();
    await presence.start();
  } catch (error) {
    // Nothing may be left open: a Redis connection retrying forever would keep a worker that
    // failed to start alive after it reported the failure.
    await Promise.allSettled([listener.stop(), presence.stop(), queues.close(), db.destroy()]);
    throw new Error(`cannot connect to Postgres (DATABASE_URL): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const metrics = sharedMetrics ?? new RunqMetrics({ service: 'worker' });
  for (const action of RECONCILER_REPAIR_ACTIONS) metrics.reconcilerRepairs.inc({ action }, 0);
  const executor = new RunExecutor({ db, queues, handlers: module, attempts, log, leaseMs: config.leaseMs, workerId, presence, metrics });
  const workers: Worker[] = config.kinds.map((kind) => {
    const worker = queues.createWorker(kind, (job, token) => executor.process(kind, job, token), {
      concurrency: config.concurrency[kind],
      lockDurationMs: config.leaseMs,
    });
    worker.on('error', (err) => log.warn({ err, kind }, 'queue worker error'));
    return worker;
  });
  // Silent for a lease (or three ticks, whichever is longer): the leader is presumed dead, as a
  // worker is for its runs. Campaigns come as often as the dead-worker detector looks, so that
  // it has a leader again soon after the leader's process died.
  const leaderTimeoutMs = Math.max(config.leaseMs, 3 * config.reconcileIntervalMs);
  const election = new LeaderElection({
    databaseUrl: config.databaseUrl,
    log,
    leaderTimeoutMs,
    campaignIntervalMs: Math.min(DEAD_WORKER_CHECK_INTERVAL_MS, config.reconcileIntervalMs),
  });
  const reconciler = new Reconciler({
    db,
    queues,
    log,
    intervalMs: config.reconcileIntervalMs,
    pendingGraceMs: config.reconcileGraceMs,
    leadership: election,
    metrics,
    retention: config.retention ? new RunRetention(db, config.retention, log) : undefined,
  });
  const detector = new DeadWorkerDetector({ db, queues, log, leadership: election, metrics });
  election.start();
  reconciler.start();
  detector.start();
  let metricsServer: MetricsServer | undefined;
  if (config.metricsPort !== undefined) metricsServer = await serveMetrics(metrics, config.metricsHost, config.metricsPort);
  log.info({ workerId, presenceId: presence.holderId, kinds: config.kinds, concurrency: Object.fromEntries(config.kinds.map((kind) => [kind, config.concurrency[kind]])), queueBackend: queues.backendKind }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    workerId,
    metrics,
    metricsUrl: metricsServer?.url,
    reconcileNow: () => reconciler.reconcileOnce(),
    close() {
      closing ??= (async () => {
        await Promise.all([reconciler.stop(), detector.stop()]);
        await election.stop();
        await metricsServer?.close();
        const graceful = Promise.all(workers.map((worker) => worker.close()));
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), config.shutdownGraceMs);
        });
        if ((await Promise.race([graceful, grace])) === 'timeout') {
          log.warn({ running: attempts.size }, 'shutdown grace period over; leaving running attempts to be taken over');
          attempts.abortAll('shutdown');
          // Aborted attempts settle at once (their leases released, their jobs finished), so the
          // queue workers can still close cleanly; force them only if that takes long.
          const settled = new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), SETTLE_AFTER_ABORT_MS);
          });
          if ((await Promise.race([graceful, settled])) === 'timeout') {
            await Promise.all(workers.map((worker) => worker.close(true)));
          }
        }
        clearTimeout(timer);
        await listener.stop();
        await presence.stop();
        await queues.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}
