import type { Context, Middleware, Next } from 'koa';
import { RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Caller } from '@runq/auth';
import type { Logger } from '@runq/config';
import { RATE_LIMIT_TABLE, rateLimitStoreClient, type Db } from '@runq/db';
import type { RunQueues } from '@runq/queue';
import type { RateLimitConfig } from '../config.js';
import { HttpProblem } from './problem.js';
import { SharedLimit, type LimitVerdict } from './shared-limit.js';

/** Every limit counts requests over one minute. */
const WINDOW_SECONDS = 60;
/** While the store is down, one warning per this period rather than one per request. */
const WARN_EVERY_MS = 10_000;

/** What the limits are built from. */
export interface RateLimitDependencies {
  config: Readonly<RateLimitConfig>;
  db: Db;
  queues: RunQueues;
  /** Namespaces the counters, so deployments sharing a Redis do not share limits. */
  prefix: string;
  log: Logger;
}

/** True when the request carried credentials of any kind (API key, bearer token or basic auth). */
function presentsCredentials(ctx: Context): boolean {
  return ctx.get('authorization') !== '' || ctx.get('x-api-key') !== '';
}

function tooMany(retryAfterSeconds: number, detail: string): HttpProblem {
  return new HttpProblem('rate_limited', detail, { headers: { 'Retry-After': String(retryAfterSeconds) } });
}

/**
 * The API's rate limits, counted in the shared store so they hold across API instances: Redis
 * when the queues live there, else the `rate_limits` table in Postgres (see {@link SharedLimit}
 * for how the store is spared a write per request).
 * - per source address: every request behind the probes and `/metrics`;
 * - per caller (API key prefix or JWT subject): every authenticated request;
 * - failed authentication per source address (stricter): each 401 on a request that presented
 *   credentials is counted in the store; once an address is over, it gets 429 before its
 *   credentials are looked at, so a blocked guesser learns nothing. An instance learns of the
 *   block from the store's answer to its own next failure, so another instance can let at most
 *   the requests it already has in flight be checked.
 * Over a limit: 429 `rate_limited` with `Retry-After`. When the store cannot be reached the
 * request is let through and a warning logged: an outage of the counters must not become an
 * outage of the API.
 */
export class RateLimits {
  private readonly perAddressLimit: SharedLimit | undefined;
  private readonly perCallerLimit: SharedLimit | undefined;
  private readonly authFailureLimit: SharedLimit | undefined;
  private lastWarning = 0;

  constructor(private readonly deps: RateLimitDependencies) {
    const redis = deps.queues.sharedRedis();
    const onStoreError = (error: unknown) => this.warn(error);
    const limit = (name: string, points: number): SharedLimit | undefined => {
      if (points <= 0) return undefined;
      const keyPrefix = `${deps.prefix}:rl:${name}`;
      const limiter: RateLimiterAbstract = redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: WINDOW_SECONDS })
        : new RateLimiterPostgres({
            storeClient: rateLimitStoreClient(deps.db),
            storeType: 'pool',
            tableName: RATE_LIMIT_TABLE,
            tableCreated: true,
            keyPrefix,
            points,
            duration: WINDOW_SECONDS,
          });
      return new SharedLimit(limiter, { onStoreError });
    };
    this.perAddressLimit = limit('ip', deps.config.perAddressPerMinute);
    this.perCallerLimit = limit('key', deps.config.perKeyPerMinute);
    this.authFailureLimit = limit('auth', deps.config.authFailuresPerMinute);
  }

  /**
   * Before authentication (and the admin pages): the block of addresses that failed
   * authentication too often, the per-address limit, and the count of failures. A request
   * without credentials is how every browser and client starts, not a guess: it does not count.
   */
  readonly perAddress: Middleware = async (ctx: Context, next: Next) => {
    const address = ctx.ip || 'unknown';
    const blocked = this.authFailureLimit?.blockedFor(address);
    if (blocked !== undefined) throw tooMany(blocked, 'Too many requests with wrong credentials from this address; retry later.');
    const counted = await this.take(this.perAddressLimit, address);
    if (counted.allowed === false) throw tooMany(counted.retryAfterSeconds, 'Too many requests from this address; retry later.');
    try {
      await next();
    } catch (error) {
      if (error instanceof HttpProblem && error.code === 'unauthorized' && presentsCredentials(ctx)) {
        await this.authFailureLimit?.record(address);
      }
      throw error;
    }
  };

  /** After authentication: the per-caller limit. */
  readonly perCaller: Middleware = async (ctx: Context, next: Next) => {
    const caller = ctx.state['caller'] as Caller | undefined;
    if (caller) {
      const counted = await this.take(this.perCallerLimit, caller.name);
      if (counted.allowed === false) throw tooMany(counted.retryAfterSeconds, 'Too many requests for these credentials; retry later.');
    }
    await next();
  };

  /** Stops the limits' background syncs. */
  close(): void {
    for (const limit of [this.perAddressLimit, this.perCallerLimit, this.authFailureLimit]) limit?.close();
  }

  private async take(limit: SharedLimit | undefined, key: string): Promise<LimitVerdict> {
    return limit ? limit.take(key) : { allowed: true };
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = Date.now();
    this.deps.log.warn({ err: error }, 'rate-limit store unavailable; requests are not limited meanwhile');
  }
}
