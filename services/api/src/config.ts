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

/** Configuration of an API process, read once from the environment at start. */
export interface ApiConfig {
  databaseUrl: string;
  redisUrl: string | undefined;
  port: number;
  host: string;
  /** Password of the `admin` user of the dashboard; without it the dashboard is not mounted. */
  adminToken: string | undefined;
  jwt: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  queuePrefix: string;
  logLevel: LogLevel;
  /** Largest accepted request body, in bytes (1 MiB). */
  bodyLimitBytes: number;
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
  const queuePrefix = optionalString(env, 'RUNQ_QUEUE_PREFIX') ?? 'runq';
  if (!/^[A-Za-z0-9_{}.-]{1,64}$/.test(queuePrefix)) {
    throw new ConfigError('RUNQ_QUEUE_PREFIX', 'must be 1 to 64 letters, digits or _ { } . -');
  }
  const issuer = optionalString(env, 'RUNQ_JWT_ISSUER');
  const audience = optionalString(env, 'RUNQ_JWT_AUDIENCE');
  return Object.freeze({
    databaseUrl: requireUrl(env, 'DATABASE_URL', POSTGRES_PROTOCOLS),
    redisUrl: optionalUrl(env, 'REDIS_URL', REDIS_PROTOCOLS),
    port: integerSetting(env, 'PORT', 3000, 0, 65535),
    host: optionalString(env, 'HOST') ?? '127.0.0.1',
    adminToken,
    jwt: Object.freeze({
      ...(jwtSecret !== undefined ? { secret: jwtSecret } : {}),
      ...(jwksUrl !== undefined ? { jwksUrl } : {}),
      ...(issuer !== undefined ? { issuer } : {}),
      ...(audience !== undefined ? { audience } : {}),
    }),
    queuePrefix,
    logLevel: choiceSetting(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    bodyLimitBytes: 1024 * 1024,
  });
}
