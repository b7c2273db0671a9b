import {
  ConfigError,
  LOG_LEVELS,
  POSTGRES_PROTOCOLS,
  choiceSetting,
  integerSetting,
  optionalIntegerSetting,
  optionalString,
  requireUrl,
  type Env,
  type LogLevel,
} from './env.js';
import { optionalRedisUrl } from './redis-url.js';
import { tracingSettings, type TracingSettings } from './tracing-settings.js';

/** The queue prefix when `RUNQ_QUEUE_PREFIX` is unset. */
export const DEFAULT_QUEUE_PREFIX = 'runq';
/** The listen address when `HOST` is unset: loopback, so no process is reachable from outside by accident. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * What a queue prefix may hold: it becomes part of every queue key (Redis) or queue name
 * (PostgreSQL backend), and on a Redis Cluster it is part of each queue's hash tag (`{prefix:queue}`).
 */
const QUEUE_PREFIX = /^[A-Za-z0-9_{}.-]{1,64}$/;

/**
 * The settings every runq process that works on runs reads alike (`runq api`, `runq worker`,
 * both halves of `runq start`): where the run store and the queues are, and how much to log.
 * API and worker processes of one deployment must agree on the first three, which is why one
 * function reads them for both.
 */
export interface SharedSettings {
  /** `DATABASE_URL` (required): the run store. */
  databaseUrl: string;
  /** `REDIS_URL`: queues in Redis (a server or a cluster); unset, in PostgreSQL. */
  redisUrl: string | undefined;
  /** `RUNQ_QUEUE_PREFIX` (default `runq`): the namespace of this deployment's queues. */
  queuePrefix: string;
  /** `LOG_LEVEL` (default `info`). */
  logLevel: LogLevel;
  /** `RUNQ_PROJECT_CONCURRENCY`: the most running runs of one project and kind; unset, no bound. */
  projectConcurrency: number | undefined;
  /** The standard `OTEL_*` variables: where traces go; undefined, tracing is off. */
  tracing: Readonly<TracingSettings> | undefined;
  /** `RUNQ_SECRETS_KEY`: the key stored webhook secrets are sealed under; unset, webhooks are unavailable. */
  secretsKey: string | undefined;
  /**
   * `RUNQ_WEBHOOK_ALLOW_PRIVATE=1`: webhook subscriptions may deliver to loopback, private and
   * link-local addresses (default 0: refused, at creation and at every delivery).
   */
  webhookAllowPrivate: boolean;
}

/**
 * `RUNQ_QUEUE_PREFIX`: 1 to 64 letters, digits or `_ { } . -`; `runq` when unset.
 *
 * @throws {ConfigError} naming `RUNQ_QUEUE_PREFIX` when the value has other characters or is too long.
 */
export function queuePrefixSetting(env: Env): string {
  const prefix = optionalString(env, 'RUNQ_QUEUE_PREFIX') ?? DEFAULT_QUEUE_PREFIX;
  if (!QUEUE_PREFIX.test(prefix)) throw new ConfigError('RUNQ_QUEUE_PREFIX', 'must be 1 to 64 letters, digits or _ { } . -');
  return prefix;
}

/** The fewest characters of a `RUNQ_SECRETS_KEY`. */
export const MIN_SECRETS_KEY_CHARS = 32;

/**
 * `RUNQ_SECRETS_KEY`: at least 32 characters (for example 32 random bytes in base64); undefined
 * when unset. The value is never echoed.
 *
 * @throws {ConfigError} naming `RUNQ_SECRETS_KEY` when the value is shorter.
 */
export function secretsKeySetting(env: Env): string | undefined {
  const key = optionalString(env, 'RUNQ_SECRETS_KEY');
  if (key !== undefined && key.length < MIN_SECRETS_KEY_CHARS) {
    throw new ConfigError('RUNQ_SECRETS_KEY', `must have at least ${MIN_SECRETS_KEY_CHARS} characters`);
  }
  return key;
}

/** `HOST`: the address a process listens on (the API, a worker's metrics); `127.0.0.1` when unset. */
export function hostSetting(env: Env): string {
  return optionalString(env, 'HOST') ?? DEFAULT_HOST;
}

/**
 * Reads {@link SharedSettings}. A missing or malformed setting throws a {@link ConfigError}
 * whose one-line message names the variable.
 *
 * @example
 * const { databaseUrl, redisUrl, queuePrefix, logLevel } = readSharedSettings(process.env);
 */
export function readSharedSettings(env: Env): Readonly<SharedSettings> {
  return Object.freeze({
    databaseUrl: requireUrl(env, 'DATABASE_URL', POSTGRES_PROTOCOLS),
    redisUrl: optionalRedisUrl(env, 'REDIS_URL'),
    queuePrefix: queuePrefixSetting(env),
    logLevel: choiceSetting(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    projectConcurrency: optionalIntegerSetting(env, 'RUNQ_PROJECT_CONCURRENCY', 1, 1_000_000),
    tracing: tracingSettings(env),
    secretsKey: secretsKeySetting(env),
    webhookAllowPrivate: integerSetting(env, 'RUNQ_WEBHOOK_ALLOW_PRIVATE', 0, 0, 1) === 1,
  });
}
