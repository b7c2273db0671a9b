import { hostname } from 'node:os';
import type { Worker } from 'bullmq';
import type { Logger } from '@runq/config';
import { openDatabase, registerWorkerTargets, type Db, type ServedTarget } from '@runq/db';
import { BulkActionExecutor, RunAdmission, RunControl, RunIngest, RunReplay, ScheduleFirer } from '@runq/engine';
import { RECONCILER_REPAIR_ACTIONS, RunqMetrics } from '@runq/metrics';
import { RunQueues } from '@runq/queue';
import type { RunKind } from '@runq/runs';
import { openTracing, type RunTracing } from '@runq/tracing';
import {
  CONNECTION_CLOSE_TIMEOUT_MS,
  SHUTDOWN_DEADLINE_MARGIN_MS,
  closeSteps,
  settlesWithin,
  type CloseReport,
  type CloseStage,
  type CloseStep,
} from '@runq/async';
import { ActiveAttempts } from './active-attempts.js';
import { CancellationListener } from './cancellation-listener.js';
import type { WorkerConfig } from './config.js';
import { DEAD_WORKER_CHECK_INTERVAL_MS, DeadWorkerDetector } from './dead-worker-detector.js';
import { HandlerModuleError, loadHandlerModule, type HandlerModule } from './handler-module.js';
import { LeaderElection } from './leader-election.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';
import { HoldTimer } from './hold-timer.js';
import { ScheduleTimer } from './schedule-timer.js';
import type { WebhookDeliverer } from './webhook-deliverer.js';
import { BulkActionTimer } from './bulk-action-timer.js';
import { Reconciler } from './reconciler.js';
import { RunExecutor } from './run-executor.js';
import { RunRetention } from './run-retention.js';
import { WorkerPresence } from './worker-presence.js';

/** Runs expired per pass of the hold timer. */
const EXPIRY_BATCH = 100;

/** After the grace period, how long aborted attempts get to settle (leases released, jobs finished) before the queue workers' close is given up. */
const SETTLE_AFTER_ABORT_MS = 2_000;

/**
 * The latest a worker process is still shutting down after SIGTERM: the grace period for running
 * handlers, the settle time of aborted attempts, two rounds of connection closes (see
 * {@link WorkerPool.shutdownStages}) and the margin. An orchestrator must wait longer than this
 * before it kills the process.
 */
export function workerShutdownDeadlineMs(config: Pick<WorkerConfig, 'shutdownGraceMs'>): number {
  return config.shutdownGraceMs + SETTLE_AFTER_ABORT_MS + 2 * CONNECTION_CLOSE_TIMEOUT_MS + SHUTDOWN_DEADLINE_MARGIN_MS;
}

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
  /**
   * The steps that stop this pool, each bounded: first the reconciler, the metrics server and the
   * queue workers (which stop taking runs and give running handlers the grace period), then the
   * cancellation listener, the queues and the database pool.
   */
  readonly shutdownStages: readonly CloseStage[];
  /** Closes {@link shutdownStages} (once) and reports the steps that did not finish. */
  close(): Promise<CloseReport>;
}

/**
 * Starts one BullMQ worker per configured kind, the cancellation listener and the
 * reconciler. Handlers come from `handlers` when given, else from `config.handlersPath`.
 * `metrics` lets a process that also runs the API (`runq start`) share one registry.
 */
export async function startWorkerPool(config: Readonly<WorkerConfig>, log: Logger, handlers?: HandlerModule, sharedMetrics?: RunqMetrics): Promise<WorkerPool> {
  const module = handlers ?? (config.handlersPath ? await loadHandlerModule(config.handlersPath) : undefined);
  if (!module) throw new HandlerModuleError('no handlers: pass --handlers PATH (an ES module or CommonJS file)');
  const workerId = `${hostname()}:${process.pid}`;
  const db = openDatabase(config.databaseUrl, {
    applicationName: 'runq-worker',
    indexLookupsOnly: true,
    maxConnections: Math.min(20, 2 + config.runtimeTargets.length * config.kinds.reduce((sum, kind) => sum + config.concurrency[kind], 0)),
    onPoolError: (err) => log.warn({ err }, 'database connection lost'),
  });
  const queues = RunQueues.open({ databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const attempts = new ActiveAttempts();
  const served: (ServedTarget & { kind: RunKind })[] = config.kinds.flatMap((kind) =>
    config.runtimeTargets.map((target) => ({ kind, target, concurrency: config.concurrency[kind] })),
  );
  let scheduleTimer: ScheduleTimer | undefined;
  const listener = new CancellationListener(config.databaseUrl, attempts, log, config.scheduleFirer ? () => scheduleTimer?.wake() : undefined);
  // Held before any run is claimed: every claim records this process's presence id.
  const presence = new WorkerPresence({
    databaseUrl: config.databaseUrl,
    db,
    log,
    onHolderChanged: (holderId) => {
      registerWorkerTargets(db, holderId, served).catch((err: unknown) => log.warn({ err }, 'registering the served runtime targets again failed'));
    },
  });
  try {
    await listener.start();
    await presence.start();
    await registerWorkerTargets(db, presence.holderId, served);
  } catch (error) {
    // Nothing may be left open: a Redis connection retrying forever would keep a worker that
    // failed to start alive after it reported the failure.
    await closeSteps([releaseSteps(listener, presence, queues, db)]);
    throw new Error(`cannot connect to Postgres (DATABASE_URL): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const metrics = sharedMetrics ?? new RunqMetrics({ service: 'worker' });
  for (const action of RECONCILER_REPAIR_ACTIONS) metrics.reconcilerRepairs.inc({ action }, 0);
  const admission = new RunAdmission(db, queues, log, { projectConcurrency: config.projectConcurrency });
  const tracing = await openTracing(config.tracing, 'runq-worker');
  const executor = new RunExecutor({ db, queues, handlers: module, attempts, log, leaseMs: config.leaseMs, workerId, presence, metrics, admission, tracing });
  const workers: Worker[] = served.map(({ kind, target }) => {
    const worker = queues.createWorker({ kind, target }, (job, token) => executor.process(kind, job, token), {
      concurrency: config.concurrency[kind],
      lockDurationMs: config.leaseMs,
    });
    worker.on('error', (err) => log.warn({ err, kind, target }, 'queue worker error'));
    return worker;
  });
  // Runs that waited for a worker serving these targets go to their queues now (a release lost
  // here is redone by the reconciler's repair pass).
  admission
    .releaseServed(served)
    .catch((err: unknown) => log.warn({ err }, 'releasing the runs held for the runtime targets of this worker failed; the reconciler will'));
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
    admission,
    retention: config.retention ? new RunRetention(db, config.retention, log) : undefined,
  });
  const detector = new DeadWorkerDetector({ db, queues, log, leadership: election, metrics });
  election.start();
  reconciler.start();
  detector.start();
  const control = new RunControl(db, queues, log, admission, metrics);
  // Every worker expires runs past their time to live (a policy's ttl, a schedule's run_ttl), firer or not.
  const holdTimer = new HoldTimer(admission, log, () => control.expireRuns(EXPIRY_BATCH));
  holdTimer.start();
  const ingest = new RunIngest(db, queues, log, admission, metrics);
  const bulkActions = new BulkActionTimer(
    new BulkActionExecutor(db, control, new RunReplay(db, ingest), log, ({ action, succeeded, failed }) => {
      metrics.bulkActionRuns.inc({ action: action.action, outcome: 'succeeded' }, succeeded);
      metrics.bulkActionRuns.inc({ action: action.action, outcome: 'failed' }, failed);
    }),
    log,
  );
  bulkActions.start();
  if (config.scheduleFirer) {
    scheduleTimer = new ScheduleTimer(
      new ScheduleFirer(db, ingest, control, admission, log, (outcome, latenessMs) => metrics.observeOccurrence(outcome, latenessMs)),
      log,
    );
    scheduleTimer.start();
  }
  const firing = scheduleTimer;
  // Outbound webhooks: every worker delivers unless told not to; without RUNQ_SECRETS_KEY none does.
  // The deliverer (and its HTTP client) is loaded only then, so a worker without it starts as fast as before.
  let deliverer: WebhookDeliverer | undefined;
  if (config.webhookDelivery && config.secretsKey) {
    const { WebhookDeliverer } = await import('./webhook-deliverer.js');
    deliverer = new WebhookDeliverer({
      db,
      log,
      config: config.webhookDelivery,
      secretsKey: config.secretsKey,
      allowPrivate: config.webhookAllowPrivate,
      metrics,
    });
    deliverer.start();
  } else if (!config.secretsKey) {
    log.warn('RUNQ_SECRETS_KEY is not set: this worker delivers no webhooks');
  }
  let metricsServer: MetricsServer | undefined;
  if (config.metricsPort !== undefined) metricsServer = await serveMetrics(metrics, config.metricsHost, config.metricsPort);
  log.info(
    {
      workerId,
      presenceId: presence.holderId,
      kinds: config.kinds,
      runtimeTargets: config.runtimeTargets,
      concurrency: Object.fromEntries(config.kinds.map((kind) => [kind, config.concurrency[kind]])),
      queueBackend: queues.backendKind,
      tracing: tracing.enabled,
    },
    'worker started',
  );

  const shutdownStages: CloseStage[] = [
    [
      { name: 'reconciler', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => reconciler.stop() },
      { name: 'dead-worker detector', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => detector.stop() },
      { name: 'hold timer', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => holdTimer.stop() },
      { name: 'bulk actions', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => bulkActions.stop() },
      ...(firing ? [{ name: 'schedule firer', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => firing.stop() }] : []),
      ...(deliverer ? [{ name: 'webhook deliverer', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => deliverer.stop() }] : []),
      ...(metricsServer ? [{ name: 'metrics server', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => metricsServer.close() }] : []),
      {
        name: 'queue workers',
        timeoutMs: config.shutdownGraceMs + SETTLE_AFTER_ABORT_MS + CONNECTION_CLOSE_TIMEOUT_MS,
        close: () => drainWorkers(workers, attempts, config.shutdownGraceMs, log),
      },
    ],
    [
      { name: 'leader election', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => election.stop() },
      ...releaseSteps(listener, presence, queues, db),
      tracingStep(tracing),
    ],
  ];
  let closing: Promise<CloseReport> | undefined;
  return {
    workerId,
    metrics,
    metricsUrl: metricsServer?.url,
    reconcileNow: () => reconciler.reconcileOnce(),
    shutdownStages,
    close() {
      closing ??= closeSteps(shutdownStages);
      return closing;
    },
  };
}

/**
 * Stops the queue workers taking jobs and waits for the running handlers: up to `graceMs`, then
 * their attempts are aborted, to be taken over by other workers, and the close goes on while they
 * settle. With the queue backend gone the close may never finish; its step's bound ends the wait.
 */
async function drainWorkers(workers: readonly Worker[], attempts: ActiveAttempts, graceMs: number, log: Logger): Promise<void> {
  const closed = Promise.all(workers.map((worker) => worker.close()));
  if (!(await settlesWithin(closed, graceMs)) && attempts.size > 0) {
    log.warn({ running: attempts.size }, 'shutdown grace period over; leaving running attempts to be taken over');
    attempts.abortAll('shutdown');
  }
  await closed;
}

/** Sends the spans still buffered (the attempts just settled) and stops tracing. */
function tracingStep(tracing: RunTracing): CloseStep {
  return { name: 'worker tracing', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => tracing.close() };
}

/** The steps that release a pool's connections: the cancellation listener, the queues and the database pool. */
function releaseSteps(listener: CancellationListener, presence: WorkerPresence, queues: RunQueues, db: Db): CloseStep[] {
  return [
    { name: 'cancellation listener', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => listener.stop() },
    { name: 'worker presence', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => presence.stop() },
    { name: 'worker queues', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => queues.close() },
    { name: 'worker database', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => db.destroy() },
  ];
}
