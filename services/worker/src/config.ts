import {
  ConfigError,
  LOG_LEVELS,
  POSTGRES_PROTOCOLS,
  REDIS_PROTOCOLS,
  choiceSetting,
  integerSetting,
  optionalString,
  optionalUrl,
  requireUrl,
  type Env,
  type LogLevel,
} from '@runq/config';
import { RUN_KINDS, isRunKind, type RunKind } from '@runq/runs';

/** Configuration of a worker process. */
export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string | undefined;
  queuePrefix: string;
  logLevel: LogLevel;
  kinds: readonly RunKind[];
  /** Runs executed at once per kind. */
  concurrency: number;
  /** Module with the handlers (`--handlers`); unset when the caller supplies handlers directly. */
  handlersPath: string | undefined;
  /** A claim's lifetime without renewal; also the queue lock. A crashed worker's runs are taken over after about this long. */
  leaseMs: number;
  /** How long shutdown waits for running handlers before leaving their runs to be taken over. */
  shutdownGraceMs: number;
  /** Port of this process's `/metrics` (Prometheus) on `HOST`; unset: not served. */
  metricsPort: number | undefined;
  /** Address the metrics server listens on. */
  metricsHost: string;
  /** Period of the reconciler. */
  reconcileIntervalMs: number;
  /** How long a pending run may go without a queue job before the reconciler re-dispatches it. */
  reconcileGraceMs: number;
}

/** Command-line values that override the environment. */
export interface WorkerFlags {
  kinds?: string;
  concurrency?: string;
  handlers?: string;
}

function parseKinds(value: string): RunKind[] {
  const kinds = value.split(',').map((kind) => kind.trim()).filter(Boolean);
  const unknown = kinds.find((kind) => !isRunKind(kind));
  if (kinds.length === 0 || unknown !== undefined) {
    throw new ConfigError('--kinds', `must list kinds from ${RUN_KINDS.join(',')} (got ${JSON.stringify(value)})`);
  }
  return [...new Set(kinds as RunKind[])];
}

function parseConcurrency(value: string): number {
  const parsed = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= 1 && parsed <= 1000)) throw new ConfigError('--concurrency', `must be an integer from 1 to 1000 (got ${JSON.stringify(value)})`);
  return parsed;
}

/**
 * Reads a worker's settings from the environment and its command-line flags. A missing or
 * malformed setting throws a {@link ConfigError} naming it.
 */
export function loadWorkerConfig(env: Env, flags: WorkerFlags = {}): Readonly<WorkerConfig> {
  const queuePrefix = optionalString(env, 'RUNQ_QUEUE_PREFIX') ?? 'runq';
  if (!/^[A-Za-z0-9_{}.-]{1,64}$/.test(queuePrefix)) {
    throw new ConfigError('RUNQ_QUEUE_PREFIX', 'must be 1 to 64 letters, digits or _ { } . -');
  }
  return Object.freeze({
    databaseUrl: requireUrl(env, 'DATABASE_URL', POSTGRES_PROTOCOLS),
    redisUrl: optionalUrl(env, 'REDIS_URL', REDIS_PROTOCOLS),
    queuePrefix,
    logLevel: choiceSetting(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    kinds: flags.kinds !== undefined ? parseKinds(flags.kinds) : RUN_KINDS,
    concurrency: flags.concurrency !== undefined ? parseConcurrency(flags.concurrency) : integerSetting(env, 'RUNQ_WORKER_CONCURRENCY', 10, 1, 1000),
    handlersPath: flags.handlers,
    leaseMs: integerSetting(env, 'RUNQ_WORKER_LEASE_MS', 30_000, 1_000, 3_600_000),
    shutdownGraceMs: integerSetting(env, 'RUNQ_WORKER_SHUTDOWN_GRACE_MS', 25_000, 0, 3_600_000),
    metricsPort: optionalString(env, 'RUNQ_WORKER_METRICS_PORT') === undefined ? undefined : integerSetting(env, 'RUNQ_WORKER_METRICS_PORT', 0, 0, 65535),
    metricsHost: optionalString(env, 'HOST') ?? '127.0.0.1',
    reconcileIntervalMs: integerSetting(env, 'RUNQ_RECONCILE_INTERVAL_MS', 5_000, 100, 3_600_000),
    reconcileGraceMs: integerSetting(env, 'RUNQ_RECONCILE_GRACE_MS', 15_000, 0, 3_600_000),
  });
}
