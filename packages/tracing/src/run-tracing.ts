/**
 * What runq's processes trace, as calls on one object: the API's HTTP requests and the
 * dispatch of each new run, and each attempt a worker makes. With tracing off every call is a
 * no-op ({@link NO_TRACING}), so the paths that make them do no tracing work.
 *
 * One run is one trace: `POST /runs` (server span) -> `send <kind>` (producer span, whose W3C
 * `traceparent` is stored with the run) -> for each attempt, `process <kind>` (consumer span,
 * a child of the stored context, so retries are siblings) -> `claim`, `handler`, `settle`.
 * See docs/decisions/0016-tracing.md.
 */
export interface RunTracing {
  /** False for {@link NO_TRACING}: callers may skip work that only tracing needs. */
  readonly enabled: boolean;
  /**
   * Runs `handle` inside a server span of one HTTP request (continuing the caller's trace when
   * the request carries a `traceparent`); `response` is read once `handle` settles.
   */
  traceHttpRequest(request: HttpRequestInfo, handle: () => Promise<void>, response: () => HttpResponseInfo): Promise<void>;
  /**
   * Starts the producer span of a new run of `kind`, a child of the current context (the HTTP
   * request). Its traceparent is stored with the run; undefined when tracing is off.
   */
  startDispatch(kind: string): DispatchSpan | undefined;
  /**
   * Starts the consumer span of one attempt of a claimed run, from `claimStartedAt` (when the
   * claim began, epoch ms), under the run's stored `traceparent`; undefined when tracing is off.
   */
  startAttempt(attempt: AttemptInfo): AttemptSpan | undefined;
  /** Sends the spans still buffered and stops tracing (a no-op when off). */
  close(): Promise<void>;
}

/** The parts of an HTTP request a server span records. */
export interface HttpRequestInfo {
  method: string;
  path: string;
  scheme: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How a traced request ended: its status and the route template that matched, if any. */
export interface HttpResponseInfo {
  status: number;
  route: string | undefined;
}

/** The producer span of a run's creation and first dispatch. */
export interface DispatchSpan {
  /** W3C `traceparent` of this span, stored with the run. */
  readonly traceparent: string;
  /** Ends the span, naming the run it created (or found, for a replayed `public_id`). */
  end(run: { id: string; duplicate: boolean }): void;
  /** Ends the span as failed. */
  fail(error: unknown): void;
}

/** A claimed attempt, as tracing sees it. */
export interface AttemptInfo {
  runId: string;
  kind: string;
  attempt: number;
  /** The queue job that delivered it. */
  jobId: string | undefined;
  /** The run's stored `traceparent` (null for a run created with tracing off: the attempt starts a trace). */
  traceparent: string | null;
  /** When the claim began (epoch ms): the start of the attempt's span and of its `claim` child. */
  claimStartedAt: number;
}

/** How a handler call ended. */
export interface HandlerEnd {
  outcome: 'completed' | 'waiting' | 'failed' | 'aborted';
  error?: { message: string; code?: string | undefined } | undefined;
}

/** The spans of one attempt. */
export interface AttemptSpan {
  /** W3C `traceparent` of the handler span: what the handler gets as `ctx.trace`. */
  readonly handlerTraceparent: string;
  /** Calls `call` (the handler) with the handler span as the active context, so the handler's own spans nest in it. */
  runHandler<T>(call: () => Promise<T>): Promise<T>;
  /** Ends the handler span and starts the `settle` span. */
  handlerEnded(end: HandlerEnd): void;
  /** Ends the settle span and the attempt span with the settlement's result (`completed`, `retry`, `fail`, `waiting`, `discarded`). */
  end(result: string, error?: unknown): void;
}

/** Tracing that is off: nothing is recorded, nothing is loaded. */
export const NO_TRACING: RunTracing = Object.freeze({
  enabled: false,
  traceHttpRequest: (_request: HttpRequestInfo, handle: () => Promise<void>) => handle(),
  startDispatch: () => undefined,
  startAttempt: () => undefined,
  close: () => Promise.resolve(),
});
