import type { TracingSettings } from '@runq/config';
import { NO_TRACING, type RunTracing } from './run-tracing.js';

/** The process's tracing once started: one SDK per process, shared by the API and the worker pool of `runq start`. */
let started: { tracing: Promise<RunTracing>; users: number } | undefined;

/**
 * The one entry point of runq's tracing. Without settings (no OTLP endpoint configured) it is
 * {@link NO_TRACING} and no OpenTelemetry module is loaded; with them, the SDK is loaded and
 * registered once per process, and each caller gets it until it closes its share (the last
 * close sends the buffered spans and stops the SDK). `serviceName` names the process unless
 * `OTEL_SERVICE_NAME` does.
 *
 * @example
 * const tracing = await openTracing(config.tracing, 'runq-api');
 * const dispatch = tracing.startDispatch('task'); // undefined when tracing is off
 */
export async function openTracing(settings: Readonly<TracingSettings> | undefined, serviceName: string): Promise<RunTracing> {
  if (settings === undefined) return NO_TRACING;
  started ??= {
    users: 0,
    tracing: import('./otel-tracing.js').then(({ OtelRunTracing }) => OtelRunTracing.start(settings, serviceName)),
  };
  const current = started;
  current.users += 1;
  const tracing = await current.tracing;
  let closed = false;
  return {
    enabled: true,
    traceHttpRequest: (request, handle, response) => tracing.traceHttpRequest(request, handle, response),
    startDispatch: (kind) => tracing.startDispatch(kind),
    startAttempt: (attempt) => tracing.startAttempt(attempt),
    async close() {
      if (closed) return;
      closed = true;
      current.users -= 1;
      if (current.users > 0) return;
      if (started === current) started = undefined;
      await tracing.close();
    },
  };
}
