import { ConfigError, optionalIntegerSetting, optionalString, optionalUrl, type Env } from './env.js';

/**
 * Where a process sends its traces, read from the standard OpenTelemetry variables. Tracing is
 * on only when an OTLP endpoint is set; without one, no tracing code is loaded at all.
 */
export interface TracingSettings {
  /** The OTLP/HTTP traces URL: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  tracesUrl: string;
  /** `OTEL_SERVICE_NAME`; unset, each process names itself (`runq-api`, `runq-worker`). */
  serviceName: string | undefined;
  /** `OTEL_BSP_SCHEDULE_DELAY`: how long finished spans wait to be sent in a batch, in ms (SDK default 5000). */
  scheduleDelayMs: number | undefined;
}

const OTLP_PROTOCOLS = ['http:', 'https:'] as const;

/**
 * Reads {@link TracingSettings}: undefined (tracing off) unless `OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and off too when `OTEL_SDK_DISABLED` is `true` or
 * `OTEL_TRACES_EXPORTER` is `none`, as the OpenTelemetry specification has it.
 *
 * @throws {ConfigError} naming the variable when an endpoint is not an http(s) URL.
 */
export function tracingSettings(env: Env): Readonly<TracingSettings> | undefined {
  if (optionalString(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporter = optionalString(env, 'OTEL_TRACES_EXPORTER');
  if (exporter?.toLowerCase() === 'none') return undefined;
  if (exporter !== undefined && exporter.toLowerCase() !== 'otlp') {
    throw new ConfigError('OTEL_TRACES_EXPORTER', `must be otlp or none (got ${JSON.stringify(exporter)})`);
  }
  const tracesEndpoint = optionalUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', OTLP_PROTOCOLS);
  const endpoint = optionalUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', OTLP_PROTOCOLS);
  const tracesUrl = tracesEndpoint ?? (endpoint === undefined ? undefined : `${endpoint.replace(/\/+$/, '')}/v1/traces`);
  if (tracesUrl === undefined) return undefined;
  return Object.freeze({
    tracesUrl,
    serviceName: optionalString(env, 'OTEL_SERVICE_NAME'),
    scheduleDelayMs: optionalIntegerSetting(env, 'OTEL_BSP_SCHEDULE_DELAY', 0, 3_600_000),
  });
}
