import type { Context, Middleware, Next } from 'koa';
import { presentedApiKeyPrefix, type Caller } from '@runq/auth';
import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';
import type { RateLimitConfig } from '../config.js';
import { credentialHeadersOf } from './authenticate.js';
import { clientOf } from './client-address.js';
import { LogThrottle } from './log-throttle.js';
import { HttpProblem } from './problem.js';
import type { RateLimitStore } from './rate-limit-store.js';
import type { LimitVerdict, SharedLimit } from './shared-limit.js';

/** One warning about refused requests per this period, however many are refused. */
const WARN_EVERY_MS = 10_000;

/** The limits that refuse requests: the `limit` label of `runq_http_rate_limited_total`. */
export const RATE_LIMIT_NAMES = ['address', 'caller', 'auth_failures_address', 'auth_failures_key', 'webhook', 'webhook_signature_failures'] as const;
/** A limit that refuses requests. */
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

const DETAIL: Readonly<Record<RateLimitName, string>> = {
  address: 'Too many requests from this address; retry later.',
  caller: 'Too many requests for these credentials; retry later.',
  auth_failures_address: 'Too many requests with wrong credentials from this address; retry later.',
  auth_failures_key: 'Too many requests with wrong credentials for this API key; retry later.',
  webhook: 'Too many deliveries to this webhook endpoint; retry later.',
  webhook_signature_failures: 'Too many deliveries with bad signatures to this webhook endpoint; retry later.',
};

/** What the limits are built from. */
export interface RateLimitDependencies {
  config: Readonly<RateLimitConfig>;
  store: RateLimitStore;
  metrics: RunqMetrics;
  log: Logger;
}

/** A refusal: which limit, for how long, and whose key it was (for the warning). */
interface Refusal {
  limit: RateLimitName;
  retryAfterSeconds: number;
  subject: Record<string, string>;
}

/** True for a 401 on a request that presented credentials of any kind (API key, bearer token, basic auth). */
function isCredentialFailure(error: unknown, ctx: Context): boolean {
  if (!(error instanceof HttpProblem) || error.code !== 'unauthorized') return false;
  return ctx.get('authorization') !== '' || ctx.get('x-api-key') !== '';
}

/** The wait of a refusing verdict; undefined when the request may go on (or the store is down). */
function waitOf(verdict: LimitVerdict): number | undefined {
  return verdict.allowed === false ? verdict.retryAfterSeconds : undefined;
}

/**
 * The API's rate limits, counted in the shared {@link RateLimitStore} so they hold across API
 * instances, each keyed by the client address that `RUNQ_TRUST_PROXY` lets runq see (behind a
 * trusted proxy, the client's own, so one noisy client does not use up another's):
 * - per client address: every request behind the probes and `/metrics`;
 * - per caller (API key prefix or JWT subject): every authenticated request;
 * - failed authentication (stricter), per client address and per API key prefix named: only
 *   requests whose credentials turn out wrong are counted and refused. Past the limit, wrong
 *   credentials get 429 instead of 401, while valid credentials are served as ever and count
 *   against their caller's limit only: a flood of bad guesses cannot lock a key's owner out.
 *   A request without credentials (how every browser and client starts) does not count.
 *   Why valid credentials are still checked past the limit: docs/decisions/0008-failed-login-throttling.md.
 * Over a limit: 429 `rate_limited` with `Retry-After`, counted in `runq_http_rate_limited_total`
 * and warned about (a few lines a minute at most). When the store cannot be reached the request
 * is let through: an outage of the counters must not become an outage of the API.
 */
export class RateLimits {
  private readonly perAddressLimit: SharedLimit | undefined;
  private readonly perCallerLimit: SharedLimit | undefined;
  private readonly failuresPerAddress: SharedLimit | undefined;
  private readonly failuresPerKey: SharedLimit | undefined;
  private readonly perWebhookLimit: SharedLimit | undefined;
  private readonly signatureFailuresPerWebhook: SharedLimit | undefined;
  private readonly warnings = new LogThrottle(WARN_EVERY_MS);

  constructor(private readonly deps: RateLimitDependencies) {
    const { config, store } = deps;
    this.perAddressLimit = store.limit('ip', config.perAddressPerMinute);
    this.perCallerLimit = store.limit('key', config.perKeyPerMinute);
    this.failuresPerAddress = store.limit('auth', config.authFailuresPerMinute);
    this.failuresPerKey = store.limit('auth-key', config.authFailuresPerMinute);
    this.perWebhookLimit = store.limit('webhook', config.perWebhookPerMinute);
    this.signatureFailuresPerWebhook = store.limit('webhook-auth', config.authFailuresPerMinute);
    for (const limit of RATE_LIMIT_NAMES) deps.metrics.httpRateLimited.labels(limit).inc(0);
  }

  /** Before the admin pages and authentication: the per-address limit. */
  readonly perAddress: Middleware = async (ctx: Context, next: Next) => {
    if (this.perAddressLimit) {
      const wait = waitOf(await this.perAddressLimit.take(clientOf(ctx).address));
      if (wait !== undefined) throw this.refuse(ctx, { limit: 'address', retryAfterSeconds: wait, subject: {} });
    }
    await next();
  };

  /**
   * Around the admin pages and authentication: counts each 401 on a request that presented
   * credentials, and answers 429 instead once its address or the API key prefix it names is over
   * the limit. Valid credentials never reach this count, so they are never refused by it.
   */
  readonly failedAuthentication: Middleware = async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      if (!isCredentialFailure(error, ctx)) throw error;
      const refusal = await this.countFailure(ctx);
      throw refusal ? this.refuse(ctx, refusal) : error;
    }
  };

  /** After authentication: the per-caller limit. */
  readonly perCaller: Middleware = async (ctx: Context, next: Next) => {
    const caller = ctx.state['caller'] as Caller | undefined;
    if (caller && this.perCallerLimit) {
      const wait = waitOf(await this.perCallerLimit.take(caller.name));
      if (wait !== undefined) throw this.refuse(ctx, { limit: 'caller', retryAfterSeconds: wait, subject: { caller: caller.name } });
    }
    await next();
  };

  /** Before a delivery to webhook endpoint `endpointId` is read: the per-endpoint limit (429 over it). */
  async takeWebhookDelivery(ctx: Context, endpointId: string): Promise<void> {
    if (!this.perWebhookLimit) return;
    const wait = waitOf(await this.perWebhookLimit.take(endpointId));
    if (wait !== undefined) throw this.refuse(ctx, { limit: 'webhook', retryAfterSeconds: wait, subject: { webhook: endpointId } });
  }

  /**
   * Whether bad signatures to `endpointId`, or failed authentications from the client's address,
   * are over their limit (as known here): such a delivery that fails verification is answered
   * 429 without being counted or recorded again. A valid signature is served regardless.
   */
  signatureFailuresBlocked(ctx: Context, endpointId: string): boolean {
    return this.failuresPerAddress?.blockedFor(clientOf(ctx).address) !== undefined || this.signatureFailuresPerWebhook?.blockedFor(endpointId) !== undefined;
  }

  /**
   * Counts a delivery whose signature failed, like a failed authentication: per client address
   * (shared with wrong credentials) and per endpoint. The 429 to answer instead of 401 once
   * either is over its limit; undefined while both are within.
   */
  async countSignatureFailure(ctx: Context, endpointId: string): Promise<HttpProblem | undefined> {
    const address = clientOf(ctx).address;
    const [byAddress, byEndpoint] = await Promise.all([
      recordFailure(this.failuresPerAddress, address),
      recordFailure(this.signatureFailuresPerWebhook, endpointId),
    ]);
    if (byAddress !== undefined) return this.refuse(ctx, { limit: 'auth_failures_address', retryAfterSeconds: byAddress, subject: {} });
    if (byEndpoint !== undefined)
      return this.refuse(ctx, { limit: 'webhook_signature_failures', retryAfterSeconds: byEndpoint, subject: { webhook: endpointId } });
    return undefined;
  }

  /**
   * Records a failed authentication against its address and its key prefix. An address already
   * known to be over is refused without writing to the store, so a flood costs no store traffic.
   */
  private async countFailure(ctx: Context): Promise<Refusal | undefined> {
    const address = clientOf(ctx).address;
    const blocked = this.failuresPerAddress?.blockedFor(address);
    if (blocked !== undefined) return { limit: 'auth_failures_address', retryAfterSeconds: blocked, subject: {} };
    const prefix = presentedApiKeyPrefix(credentialHeadersOf(ctx));
    const [byAddress, byKey] = await Promise.all([
      recordFailure(this.failuresPerAddress, address),
      prefix === undefined ? undefined : recordFailure(this.failuresPerKey, prefix),
    ]);
    if (byAddress !== undefined) return { limit: 'auth_failures_address', retryAfterSeconds: byAddress, subject: {} };
    if (byKey !== undefined && prefix) return { limit: 'auth_failures_key', retryAfterSeconds: byKey, subject: { keyPrefix: prefix } };
    return undefined;
  }

  /** Counts and (a few times a minute) logs a refusal, and returns its 429 problem. */
  private refuse(ctx: Context, refusal: Refusal): HttpProblem {
    this.deps.metrics.httpRateLimited.inc({ limit: refusal.limit });
    const suppressed = this.warnings.admit();
    if (suppressed !== undefined) {
      const line = { requestId: ctx.state['requestId'], limit: refusal.limit, address: clientOf(ctx).address, ...refusal.subject, suppressed };
      this.deps.log.warn(line, 'request refused by a rate limit');
    }
    return new HttpProblem('rate_limited', DETAIL[refusal.limit], { headers: { 'Retry-After': String(refusal.retryAfterSeconds) } });
  }
}

/**
 * Counts one failure for `key`: the wait when the key is over the limit (already known here, or
 * reached by an earlier failure on any instance); undefined while it is within.
 */
async function recordFailure(limit: SharedLimit | undefined, key: string): Promise<number | undefined> {
  if (!limit) return undefined;
  return limit.blockedFor(key) ?? waitOf(await limit.record(key));
}
