/** The environment a configuration is read from (normally `process.env`, passed in once at start). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A setting is missing or malformed. Its message is one line that names the variable and
 * says what is expected; it never repeats a value that may hold a secret.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
  }
}

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A required setting. */
export function requireString(env: Env, name: string): string {
  const value = present(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required but not set');
  return value;
}

/** An optional setting. */
export function optionalString(env: Env, name: string): string | undefined {
  return present(env, name);
}

/** An optional URL whose scheme is one of `protocols` (the value is not echoed: URLs carry passwords). */
export function optionalUrl(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL (${protocols.map((p) => `${p}//…`).join(' or ')})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got ${url.protocol})`);
  }
  return value;
}

/** A required URL whose scheme is one of `protocols`. */
export function requireUrl(env: Env, name: string, protocols: readonly string[]): string {
  const value = optionalUrl(env, name, protocols);
  if (value === undefined) throw new ConfigError(name, 'is required but not set');
  return value;
}

/** An integer setting within [min, max], or `fallback` when unset. */
export function integerSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = present(env, name);
  if (value === undefined) return fallback;
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return parsed;
}

/** An integer setting within [min, max], or `undefined` when unset. */
export function optionalIntegerSetting(env: Env, name: string, min: number, max: number): number | undefined {
  return present(env, name) === undefined ? undefined : integerSetting(env, name, min, min, max);
}

/** One of a fixed set of values, or `fallback` when unset. */
export function choiceSetting<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const value = present(env, name);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

/** The URL schemes accepted for `DATABASE_URL`. */
export const POSTGRES_PROTOCOLS = ['postgres:', 'postgresql:'] as const;
/** The URL schemes accepted for `REDIS_URL`. */
export const REDIS_PROTOCOLS = ['redis:', 'rediss:'] as const;
/** The log levels of `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];
