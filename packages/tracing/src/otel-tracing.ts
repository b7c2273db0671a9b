import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '@runq/config';
import type { AttemptInfo, AttemptSpan, DispatchSpan, HandlerEnd, HttpRequestInfo, HttpResponseInfo, RunTracing } from './run-tracing.js';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_RUNQ_ATTEMPT,
  ATTR_RUNQ_DUPLICATE,
  ATTR_RUNQ_KIND,
  ATTR_RUNQ_OUTCOME,
  ATTR_RUNQ_RUN_ID,
  MESSAGING_SYSTEM,
} from './semantic-attributes.js';

/** The instrumentation scope of every runq span. */
const SCOPE = '@runq/tracing';

/**
 * The OpenTelemetry SDK behind {@link RunTracing}: a Node tracer provider with a batching OTLP/HTTP
 * exporter, registered as the process's global provider (with the async-local context manager and
 * the W3C propagator), so a handler that uses `@opentelemetry/api` nests its spans in runq's.
 * Loaded only when tracing is on (see `openTracing`).
 */
export class OtelRunTracing implements RunTracing {
  readonly enabled = true;
  private readonly tracer: Tracer;

  constructor(private readonly provider: NodeTracerProvider) {
    this.tracer = provider.getTracer(SCOPE);
  }

  /** Builds and registers the provider for `settings`; `serviceName` applies unless `OTEL_SERVICE_NAME` says otherwise. */
  static start(settings: Readonly<TracingSettings>, serviceName: string): OtelRunTracing {
    const resource = defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName ?? serviceName }))
      .merge(detectResources({ detectors: [envDetector] }));
    const exporter = new OTLPTraceExporter({ url: settings.tracesUrl });
    const provider = new NodeTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(exporter, settings.scheduleDelayMs === undefined ? {} : { scheduledDelayMillis: settings.scheduleDelayMs })],
    });
    provider.register();
    return new OtelRunTracing(provider);
  }

  async traceHttpRequest(request: HttpRequestInfo, handle: () => Promise<void>, response: () => HttpResponseInfo): Promise<void> {
    const parent = propagation.extract(context.active(), request.headers);
    const userAgent = request.headers['user-agent'];
    const span = this.tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.path,
          [ATTR_URL_SCHEME]: request.scheme,
          ...(typeof userAgent === 'string' ? { [ATTR_USER_AGENT_ORIGINAL]: userAgent } : {}),
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), handle);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      const { status, route } = response();
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (route !== undefined) {
        span.setAttribute(ATTR_HTTP_ROUTE, route);
        span.updateName(`${request.method} ${route}`);
      }
      // Server spans are errors for 5xx only: a 4xx is the client's mistake, not the server's.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute(ATTR_ERROR_TYPE, String(status));
      span.end();
    }
  }

  startDispatch(kind: string): DispatchSpan {
    const span = this.tracer.startSpan(`send ${kind}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_MESSAGING_OPERATION_NAME]: 'send',
        [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
        [ATTR_MESSAGING_DESTINATION_NAME]: kind,
        [ATTR_RUNQ_KIND]: kind,
      },
    });
    return {
      traceparent: traceparentOf(span),
      end(run) {
        span.setAttributes({ [ATTR_RUNQ_RUN_ID]: run.id, [ATTR_MESSAGING_MESSAGE_ID]: run.id, [ATTR_RUNQ_DUPLICATE]: run.duplicate });
        span.end();
      },
      fail(error) {
        recordError(span, error);
        span.end();
      },
    };
  }

  startAttempt(attempt: AttemptInfo): AttemptSpan {
    const parent = attempt.traceparent === null ? context.active() : propagation.extract(context.active(), { traceparent: attempt.traceparent });
    const runAttributes = { [ATTR_RUNQ_RUN_ID]: attempt.runId, [ATTR_RUNQ_KIND]: attempt.kind, [ATTR_RUNQ_ATTEMPT]: attempt.attempt };
    const span = this.tracer.startSpan(
      `process ${attempt.kind}`,
      {
        kind: SpanKind.CONSUMER,
        startTime: attempt.claimStartedAt,
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
          [ATTR_MESSAGING_OPERATION_NAME]: 'process',
          [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
          [ATTR_MESSAGING_DESTINATION_NAME]: attempt.kind,
          ...(attempt.jobId === undefined ? {} : { [ATTR_MESSAGING_MESSAGE_ID]: attempt.jobId }),
          ...runAttributes,
        },
      },
      parent,
    );
    const inAttempt = trace.setSpan(parent, span);
    this.tracer.startSpan('claim', { startTime: attempt.claimStartedAt, attributes: runAttributes }, inAttempt).end();
    const handler = this.tracer.startSpan('handler', { attributes: runAttributes }, inAttempt);
    const inHandler = trace.setSpan(inAttempt, handler);
    let settle: Span | undefined;
    const tracer = this.tracer;
    return {
      handlerTraceparent: traceparentOf(handler),
      runHandler: (call) => context.with(inHandler, call),
      handlerEnded(end: HandlerEnd) {
        if (end.outcome === 'failed' || end.outcome === 'aborted') {
          handler.setStatus({ code: SpanStatusCode.ERROR, ...(end.error ? { message: end.error.message } : {}) });
          handler.setAttribute(ATTR_ERROR_TYPE, end.error?.code ?? end.outcome);
        }
        handler.end();
        settle = tracer.startSpan(
          'settle',
          {
            attributes: {
              [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
              [ATTR_MESSAGING_OPERATION_NAME]: 'settle',
              [ATTR_MESSAGING_OPERATION_TYPE]: 'settle',
              ...runAttributes,
            },
          },
          inAttempt,
        );
      },
      end(result, error) {
        if (handler.isRecording()) handler.end();
        for (const ended of settle ? [settle, span] : [span]) {
          ended.setAttribute(ATTR_RUNQ_OUTCOME, result);
          if (error !== undefined && result !== 'retry' && result !== 'fail') recordError(ended, error);
        }
        if (result === 'retry' || result === 'fail') span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute(ATTR_ERROR_TYPE, result);
        settle?.end();
        span.end();
      },
    };
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}

/** The W3C `traceparent` header of a span (version 00). */
function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/** Marks `span` failed with what was thrown. */
function recordError(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'error');
}
