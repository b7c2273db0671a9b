import { ConfigError, hostSetting, integerSetting, optionalString, optionalUrl, readSharedSettings, type Env, type SharedSettings } from '@runq/config';
import { InvalidTrustProxyError, parseTrustProxy, TRUST_NOBODY, type TrustProxy } from './http/client-address.js';

/** Configuration of an API process, read once from the environment at start. */
export interface ApiConfig extends SharedSettings {
  port: number;
  host: string;
  /** Password of the `admin` user of the dashboard; without it the dashboard is not mounted. */
  adminToken: string | undefined;
  jwt: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  /** Largest accepted request body, in bytes (1 MiB). */
  bodyLimitBytes: number;
  /** How long a client may take to send a request's headers (408 after). */
  headersTimeoutMs: number;
  /** How long a client may take to send a whole request, body included (408 after). */
  requestTimeoutMs: number;
  /** Request limits per minute, shared by every API instance (0 disables a limit). */
  rateLimit: Readonly<RateLimitConfig>;
  /** `RUNQ_TRUST_PROXY`: whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; unset, nobody's. */
  trustProxy: TrustProxy;
}

/** Requests allowed per minute; 0 turns a limit off. */
export interface RateLimitConfig {
  /** Per API key (or JWT subject), after authentication. */
  perKeyPerMinute: number;
  /** Per client address, every request except the probes and `/metrics`. */
  perAddressPerMinute: number;
  /**
   * Requests with wrong credentials per client address, and per API key prefix they name; past
   * it, further wrong credentials get 429 until the minute is over (valid ones are served).
   */
  authFailuresPerMinute: number;
  /** Deliveries per inbound webhook endpoint, whoever sends them (`POST /hooks/{id}`). */
  perWebhookPerMinute: number;
}

/**
 * Defaults: generous enough that one key of a benchmark doing thousands of requests a second is
 * never throttled (10,000/s per key, 20,000/s per address), strict where guessing is the risk
 * (30 wrong credentials a minute per address); an inbound webhook endpoint takes 1,000 deliveries a second.
 */
export const RATE_LIMIT_DEFAULTS: Readonly<RateLimitConfig> = Object.freeze({
  perKeyPerMinute: 600_000,
  perAddressPerMinute: 1_200_000,
  authFailuresPerMinute: 30,
  perWebhookPerMinute: 60_000,
});

/**
 * `RUNQ_TRUST_PROXY`: a hop count or a comma-separated list of CIDR ranges (see
 * {@link parseTrustProxy}); unset, nobody is trusted.
 *
 * @throws {ConfigError} naming `RUNQ_TRUST_PROXY` when the value is neither.
 */
export function trustProxySetting(env: Env): TrustProxy {
  const value = optionalString(env, 'RUNQ_TRUST_PROXY');
  if (value === undefined) return TRUST_NOBODY;
  try {
    return parseTrustProxy(value);
  } catch (error) {
    if (error instanceof InvalidTrustProxyError) throw new ConfigError('RUNQ_TRUST_PROXY', error.message);
    throw error;
  }
}

/**
 * Reads and checks the API's settings. A missing or malformed setting throws a
 * {@link ConfigError} whose message is one line naming the variable.
 */
export function loadApiConfig(env: Env): Readonly<ApiConfig> {
  const jwtSecret = optionalString(env, 'RUNQ_JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('RUNQ_JWT_SECRET', 'must be at least 32 characters long');
  }
  const jwksUrl = optionalUrl(env, 'RUNQ_JWT_JWKS_URL', ['https:', 'http:']);
  if (jwtSecret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('RUNQ_JWT_SECRET', 'and RUNQ_JWT_JWKS_URL are both set; set one of them');
  }
  const adminToken = optionalString(env, 'RUNQ_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('RUNQ_ADMIN_TOKEN', 'must be at least 16 characters long');
  }
  const shared = readSharedSettings(env);
  const headersTimeoutMs = integerSetting(env, 'RUNQ_HTTP_HEADERS_TIMEOUT_MS', 15_000, 100, 600_000);
  const requestTimeoutMs = integerSetting(env, 'RUNQ_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new ConfigError('RUNQ_HTTP_REQUEST_TIMEOUT_MS', 'must not be shorter than RUNQ_HTTP_HEADERS_TIMEOUT_MS');
  }
  const issuer = optionalString(env, 'RUNQ_JWT_ISSUER');
  const audience = optionalString(env, 'RUNQ_JWT_AUDIENCE');
  return Object.freeze({
    ...shared,
    port: integerSetting(env, 'PORT', 3000, 0, 65535),
    host: hostSetting(env),
    adminToken,
    jwt: Object.freeze({
      ...(jwtSecret !== undefined ? { secret: jwtSecret } : {}),
      ...(jwksUrl !== undefined ? { jwksUrl } : {}),
      ...(issuer !== undefined ? { issuer } : {}),
      ...(audience !== undefined ? { audience } : {}),
    }),
    bodyLimitBytes: 1024 * 1024,
    headersTimeoutMs,
    requestTimeoutMs,
    rateLimit: Object.freeze({
      perKeyPerMinute: integerSetting(env, 'RUNQ_RATE_LIMIT_PER_KEY', RATE_LIMIT_DEFAULTS.perKeyPerMinute, 0, 1_000_000_000),
      perAddressPerMinute: integerSetting(env, 'RUNQ_RATE_LIMIT_PER_IP', RATE_LIMIT_DEFAULTS.perAddressPerMinute, 0, 1_000_000_000),
      authFailuresPerMinute: integerSetting(env, 'RUNQ_RATE_LIMIT_AUTH_FAILURES', RATE_LIMIT_DEFAULTS.authFailuresPerMinute, 0, 1_000_000_000),
      perWebhookPerMinute: integerSetting(env, 'RUNQ_RATE_LIMIT_PER_WEBHOOK', RATE_LIMIT_DEFAULTS.perWebhookPerMinute, 0, 1_000_000_000),
    }),
    trustProxy: trustProxySetting(env),
  });
}
