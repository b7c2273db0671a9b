import { parseRedisUrl, type Logger } from '@runq/config';
import { RATE_LIMIT_TABLE, rateLimitStoreClient, type Db } from '@runq/db';
import { openRedis, whenRedisReady, type RedisClient } from '@runq/queue';
import { RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { LogThrottle } from './log-throttle.js';
import { SharedLimit } from './shared-limit.js';

/** Every limit counts requests over one minute. */
const WINDOW_SECONDS = 60;
/** While the store is down, one warning per this period rather than one per request. */
const WARN_EVERY_MS = 10_000;

/** What a store failure says, without its stack: a warning line names the failure, nothing more. */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Where the counters live, and what they are named after. */
export interface RateLimitStoreConfig {
  /** `REDIS_URL`: the counters get a connection of their own to this Redis; unset, they live in Postgres. */
  redisUrl: string | undefined;
  /** The run store: holds the counters (the `rate_limits` table) when there is no Redis. */
  db: Db;
  /** Namespaces the counters, so deployments sharing a Redis do not share limits. */
  prefix: string;
  log: Logger;
}

/**
 * The store the API's rate limits count in, shared by every API instance: a Redis connection of
 * its own (fail-fast, like the queues' producer: while Redis is down a request is let through
 * rather than kept waiting), else the `rate_limits` table in Postgres through the run store's
 * pool. It owns the {@link SharedLimit}s built on it and stops them when closed.
 */
export class RateLimitStore {
  private readonly limits: SharedLimit[] = [];
  private readonly warnings = new LogThrottle(WARN_EVERY_MS);

  private constructor(
    private readonly config: RateLimitStoreConfig,
    private readonly redis: RedisClient | undefined,
  ) {}

  /** Opens the store `config` names (connecting to Redis starts at once; see {@link ready}). */
  static open(config: RateLimitStoreConfig): RateLimitStore {
    const redis = config.redisUrl === undefined ? undefined : openRedis(parseRedisUrl(config.redisUrl), 'producer');
    // Errors reach the requests that need the store (and its warning); the client reconnects itself.
    redis?.on('error', () => undefined);
    return new RateLimitStore(config, redis);
  }

  /** `redis` or `postgres`. */
  get kind(): 'redis' | 'postgres' {
    return this.redis ? 'redis' : 'postgres';
  }

  /**
   * Resolves once the store can take commands, so the first requests are counted, or after
   * `timeoutMs` with a warning when Redis cannot be reached (the API serves unlimited meanwhile).
   */
  async ready(timeoutMs: number): Promise<void> {
    if (!this.redis) return;
    await whenRedisReady(this.redis, timeoutMs).catch((error: unknown) => {
      this.config.log.warn({ reason: reasonOf(error) }, 'rate-limit store not reachable at start; requests are not limited until it is');
    });
  }

  /** A limit of `points` per minute named `name`; undefined when `points` is 0 (the limit is off). */
  limit(name: string, points: number): SharedLimit | undefined {
    if (points <= 0) return undefined;
    const onStoreError = (error: unknown) => this.warn(error);
    const limit = new SharedLimit(this.limiter(`${this.config.prefix}:rl:${name}`, points), { onStoreError });
    this.limits.push(limit);
    return limit;
  }

  /** Stops the limits' syncs and closes the Redis connection (the Postgres pool is the run store's). */
  close(): void {
    for (const limit of this.limits) limit.close();
    this.redis?.disconnect();
  }

  private warn(error: unknown): void {
    const suppressed = this.warnings.admit();
    if (suppressed !== undefined)
      this.config.log.warn({ reason: reasonOf(error), suppressed }, 'rate-limit store unavailable; requests are not limited meanwhile');
  }

  private limiter(keyPrefix: string, points: number): RateLimiterAbstract {
    if (this.redis) return new RateLimiterRedis({ storeClient: this.redis, keyPrefix, points, duration: WINDOW_SECONDS });
    return new RateLimiterPostgres({
      storeClient: rateLimitStoreClient(this.config.db),
      storeType: 'pool',
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      keyPrefix,
      points,
      duration: WINDOW_SECONDS,
    });
  }
}
