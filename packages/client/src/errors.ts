/** One entry of a validation problem's `errors`. */
export interface ProblemFieldError {
  path: string;
  message: string;
}

/**
 * The API answered with an RFC 9457 problem. Carries its fields; `code` is runq's stable
 * machine-readable code (for example `run_not_found`, `idempotency_conflict`).
 *
 * @example
 * try { await client.runs.get(id) } catch (e) { if (e instanceof RunqProblemError && e.status === 404) … }
 */
export class RunqProblemError extends Error {
  override readonly name = 'RunqProblemError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly code: string | undefined;
  readonly instance: string | undefined;
  readonly requestId: string | undefined;
  readonly errors: ProblemFieldError[];

  constructor(status: number, problem: Record<string, unknown>) {
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.type = typeof problem['type'] === 'string' ? problem['type'] : 'about:blank';
    this.title = typeof problem['title'] === 'string' ? problem['title'] : `HTTP ${status}`;
    this.detail = detail;
    this.code = typeof problem['code'] === 'string' ? problem['code'] : undefined;
    this.instance = typeof problem['instance'] === 'string' ? problem['instance'] : undefined;
    this.requestId = typeof problem['request_id'] === 'string' ? problem['request_id'] : undefined;
    this.errors = Array.isArray(problem['errors']) ? (problem['errors'] as ProblemFieldError[]) : [];
  }
}

/** `waitFor` gave up before the run finished. */
export class RunqTimeoutError extends Error {
  override readonly name = 'RunqTimeoutError';
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
  ) {
    super(`run ${runId} did not finish within ${timeoutMs} ms`);
  }
}
