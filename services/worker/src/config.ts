import { ConfigError, hostSetting, integerSetting, optionalString, readSharedSettings, type Env, type SharedSettings } from '@runq/config';
import { DEFAULT_RETRY_BASE_MS, DEFAULT_RETRY_WINDOW_MS } from '@runq/webhooks';
import { DEFAULT_RUNTIME_TARGET, RUN_KINDS, isRunKind, parseRuntimeTarget, type RunKind } from '@runq/runs';

/** Configuration of a worker process. */
export interface WorkerConfig extends SharedSettings {
  kinds: readonly RunKind[];
  /**
   * Runs executed at once by this process, per kind (each kind has its own queue worker). Set
   * with `--concurrency` or `RUNQ_WORKER_CONCURRENCY`: `20` for every kind, `task=32,agent=4`
   * per kind (the others keep the default of 10), or both (`8,agent=2`).
   */
  concurrency: Readonly<Record<RunKind, number>>;
  /**
   * The runtime targets whose runs this process executes (`--runtime-target`, repeatable):
   * `main_branch` (runs that name no target too) unless others are named. Each kind has a queue
   * worker per target, with the kind's concurrency.
   */
  runtimeTargets: readonly string[];
  /** Module with the handlers (`--handlers`); unset when the caller supplies handlers directly. */
  handlersPath: string | undefined;
  /**
   * A claim's lifetime without renewal; also the queue lock. A worker that stops renewing
   * (paused, cut off) loses its runs after about this long; one that dies loses them within
   * seconds, through its presence lock (`DeadWorkerDetector`).
   */
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
  /** Deletion of finished runs by the active reconciler; unset: runs are kept forever. */
  retention: Readonly<RetentionConfig> | undefined;
  /** Whether this process fires schedules (`RUNQ_SCHEDULE_FIRER`, default 1; 0 turns it off). */
  scheduleFirer: boolean;
  /** Outbound webhook delivery by this process ({@link WebhookDeliveryConfig}); undefined: off. */
  webhookDelivery: Readonly<WebhookDeliveryConfig> | undefined;
}

/** How this process delivers outbound webhooks. */
export interface WebhookDeliveryConfig {
  /** `RUNQ_WEBHOOK_RETRY_BASE_MS` (default 5000): the first retry's delay; later ones are multiples of it. */
  retryBaseMs: number;
  /** `RUNQ_WEBHOOK_RETRY_WINDOW_MS` (default 24 h): how long after its event a delivery is retried. */
  retryWindowMs: number;
  /** `RUNQ_WEBHOOK_TIMEOUT_MS` (default 10000): the longest one attempt may take. */
  timeoutMs: number;
}

/**
 * `RUNQ_WEBHOOK_DELIVERY` (default 1; 0 turns delivery off in this process) and the delivery
 * settings. Delivery needs `RUNQ_SECRETS_KEY` (the subscriptions' secrets are sealed under it):
 * without it, undefined.
 */
function parseWebhookDelivery(env: Env, secretsKey: string | undefined): WebhookDeliveryConfig | undefined {
  const on = integerSetting(env, 'RUNQ_WEBHOOK_DELIVERY', 1, 0, 1) === 1;
  const settings = {
    retryBaseMs: integerSetting(env, 'RUNQ_WEBHOOK_RETRY_BASE_MS', DEFAULT_RETRY_BASE_MS, 1, 3_600_000),
    retryWindowMs: integerSetting(env, 'RUNQ_WEBHOOK_RETRY_WINDOW_MS', DEFAULT_RETRY_WINDOW_MS, 1, 30 * 86_400_000),
    timeoutMs: integerSetting(env, 'RUNQ_WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
  };
  return on && secretsKey !== undefined ? Object.freeze(settings) : undefined;
}

/** Retention of finished runs (`RUNQ_RETENTION_DAYS`). */
export interface RetentionConfig {
  /** A run finished longer ago than this is deleted with its events. */
  maxAgeMs: number;
  /** Runs per delete transaction (`RUNQ_RETENTION_BATCH`, default 500). */
  batchSize: number;
  /** How often the reconciler looks for expired runs (`RUNQ_RETENTION_INTERVAL_MS`, default 60000). */
  intervalMs: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** `RUNQ_RETENTION_DAYS`: a positive number of days (decimals allowed: `0.5` is 12 hours), at most 100 years. */
function parseRetention(env: Env): Readonly<RetentionConfig> | undefined {
  const days = optionalString(env, 'RUNQ_RETENTION_DAYS');
  if (days === undefined) return undefined;
  const parsed = /^\d{1,5}(\.\d{1,9})?$/.test(days) ? Number(days) : Number.NaN;
  if (!(parsed > 0 && parsed <= 36_500)) {
    throw new ConfigError('RUNQ_RETENTION_DAYS', `must be a number of days above 0 and at most 36500, e.g. 30 or 0.5 (got ${JSON.stringify(days)})`);
  }
  return Object.freeze({
    maxAgeMs: Math.max(1, Math.round(parsed * DAY_MS)),
    batchSize: integerSetting(env, 'RUNQ_RETENTION_BATCH', 500, 1, 10_000),
    intervalMs: integerSetting(env, 'RUNQ_RETENTION_INTERVAL_MS', 60_000, 100, 86_400_000),
  });
}

/** Command-line values that override the environment. */
export interface WorkerFlags {
  kinds?: string;
  concurrency?: string;
  handlers?: string;
  'runtime-target'?: readonly string[];
}

function parseRuntimeTargets(values: readonly string[] | undefined): string[] {
  if (values === undefined || values.length === 0) return [DEFAULT_RUNTIME_TARGET];
  const targets = values.map((value) => {
    const parsed = parseRuntimeTarget(value);
    if ('error' in parsed) throw new ConfigError('--runtime-target', parsed.error);
    return parsed.target;
  });
  return [...new Set(targets)];
}

function parseKinds(value: string): RunKind[] {
  const kinds = value
    .split(',')
    .map((kind) => kind.trim())
    .filter(Boolean);
  const unknown = kinds.find((kind) => !isRunKind(kind));
  if (kinds.length === 0 || unknown !== undefined) {
    throw new ConfigError('--kinds', `must list kinds from ${RUN_KINDS.join(',')} (got ${JSON.stringify(value)})`);
  }
  return [...new Set(kinds as RunKind[])];
}

/** Runs at once per kind when nothing says otherwise. */
const DEFAULT_CONCURRENCY = 10;
const MAX_CONCURRENCY = 1000;

/**
 * Parses a concurrency setting: comma-separated entries, each a number (every kind) or
 * `kind=number` (that kind). A kind named for a worker that does not run it is refused, since the
 * setting would silently do nothing.
 */
function parseConcurrency(value: string, name: string, kinds: readonly RunKind[]): Readonly<Record<RunKind, number>> {
  const expected = `must be N or kind=N,kind=N (kinds ${RUN_KINDS.join(', ')}; N from 1 to ${MAX_CONCURRENCY}), got ${JSON.stringify(value)}`;
  let fallback = DEFAULT_CONCURRENCY;
  const perKind = new Map<RunKind, number>();
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const match = /^(?:([a-z]+)\s*=\s*)?(\d{1,4})$/.exec(entry);
    const count = Number(match?.[2]);
    const kind = match?.[1];
    if (!match || !(count >= 1 && count <= MAX_CONCURRENCY) || (kind !== undefined && !isRunKind(kind))) throw new ConfigError(name, expected);
    if (kind === undefined) {
      if (entries.filter((other) => /^\d+$/.test(other)).length > 1) throw new ConfigError(name, `has more than one plain number (${expected})`);
      fallback = count;
    } else {
      if (perKind.has(kind)) throw new ConfigError(name, `names ${kind} twice`);
      if (!kinds.includes(kind)) throw new ConfigError(name, `sets ${kind}, which this worker does not run (its kinds: ${kinds.join(',')})`);
      perKind.set(kind, count);
    }
  }
  return Object.freeze(Object.fromEntries(RUN_KINDS.map((kind) => [kind, perKind.get(kind) ?? fallback])) as Record<RunKind, number>);
}

/**
 * Reads a worker's settings from the environment and its command-line flags. A missing or
 * malformed setting throws a {@link ConfigError} naming it.
 */
export function loadWorkerConfig(env: Env, flags: WorkerFlags = {}): Readonly<WorkerConfig> {
  const shared = readSharedSettings(env);
  const kinds = flags.kinds !== undefined ? parseKinds(flags.kinds) : RUN_KINDS;
  const concurrencySetting = flags.concurrency ?? optionalString(env, 'RUNQ_WORKER_CONCURRENCY');
  const concurrencyName = flags.concurrency !== undefined ? '--concurrency' : 'RUNQ_WORKER_CONCURRENCY';
  return Object.freeze({
    ...shared,
    kinds,
    concurrency: parseConcurrency(concurrencySetting ?? String(DEFAULT_CONCURRENCY), concurrencyName, kinds),
    runtimeTargets: parseRuntimeTargets(flags['runtime-target']),
    handlersPath: flags.handlers,
    leaseMs: integerSetting(env, 'RUNQ_WORKER_LEASE_MS', 30_000, 1_000, 3_600_000),
    shutdownGraceMs: integerSetting(env, 'RUNQ_WORKER_SHUTDOWN_GRACE_MS', 25_000, 0, 3_600_000),
    metricsPort: optionalString(env, 'RUNQ_WORKER_METRICS_PORT') === undefined ? undefined : integerSetting(env, 'RUNQ_WORKER_METRICS_PORT', 0, 0, 65535),
    metricsHost: hostSetting(env),
    reconcileIntervalMs: integerSetting(env, 'RUNQ_RECONCILE_INTERVAL_MS', 5_000, 100, 3_600_000),
    reconcileGraceMs: integerSetting(env, 'RUNQ_RECONCILE_GRACE_MS', 15_000, 0, 3_600_000),
    retention: parseRetention(env),
    scheduleFirer: integerSetting(env, 'RUNQ_SCHEDULE_FIRER', 1, 0, 1) === 1,
    webhookDelivery: parseWebhookDelivery(env, shared.secretsKey),
  });
}
