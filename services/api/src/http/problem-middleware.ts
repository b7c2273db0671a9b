import type { Context, Middleware, Next } from 'koa';
import { isDependencyUnavailable } from '@runq/async';
import type { Logger } from '@runq/config';
import { InvalidRunRequestError, RunqError } from '@runq/runs';
import { HttpProblem, PROBLEM_TYPES, problemDocument, type ProblemCode } from './problem.js';

const PROBLEM_CODES = new Set(Object.keys(PROBLEM_TYPES));

function isProblemCode(code: string): code is ProblemCode {
  return PROBLEM_CODES.has(code);
}

/** Seconds a client should wait before retrying when a dependency is down. */
const RETRY_AFTER_SECONDS = '5';

/** The problem an error is answered with; undefined for an unexpected error (a 500). */
export function toProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof InvalidRunRequestError) {
    return new HttpProblem('invalid_request', error.message, { errors: [{ path: error.path, message: error.reason }] });
  }
  if (error instanceof RunqError && isProblemCode(error.code)) return new HttpProblem(error.code, error.message);
  if (isDependencyUnavailable(error)) {
    return new HttpProblem('dependency_unavailable', 'A dependency is unavailable; retry later.', {
      headers: { 'Retry-After': RETRY_AFTER_SECONDS },
    });
  }
  // Errors raised by Koa or the router (http-errors) carry a status and say whether their
  // message is safe to show.
  const status = (error as { status?: unknown }).status;
  const expose = (error as { expose?: unknown }).expose === true;
  if (status === 405 || status === 501) return new HttpProblem('method_not_allowed', 'This method is not allowed on this resource.');
  if (status === 404) return new HttpProblem('not_found', 'No such resource.');
  if (status === 413) return new HttpProblem('payload_too_large', 'The request body is too large.');
  if (status === 415) return new HttpProblem('unsupported_media_type', 'Unsupported media type.');
  // Body parsers of mounted middleware (Bull Board's @koa/bodyparser, through co-body) reject a
  // malformed body with a 400 that is not marked `expose`: still the client's mistake, not a 500.
  if (status === 400 && !expose) {
    if (error instanceof SyntaxError) return new HttpProblem('invalid_json', 'The request body is not valid JSON.');
    return new HttpProblem('invalid_parameter', 'The request is invalid.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && expose) {
    return new HttpProblem('invalid_parameter', (error as Error).message);
  }
  return undefined;
}

/** Writes a problem document as the response. */
export function writeProblem(ctx: Context, problem: HttpProblem): void {
  ctx.status = problem.status;
  for (const [name, value] of Object.entries(problem.extras.headers ?? {})) ctx.set(name, value);
  ctx.type = 'application/problem+json';
  const requestId = ctx.state['requestId'] as string | undefined;
  ctx.body = problemDocument(problem.code, problem.detail, ctx.path, {
    ...(problem.extras.errors ? { errors: problem.extras.errors } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

/**
 * First in the chain: every error becomes an RFC 9457 `application/problem+json` response.
 * Unknown errors become a 500 with a generic detail and are logged with the request id;
 * nothing internal (stack, SQL, secrets) reaches the client.
 */
export function problemMiddleware(log: Logger): Middleware {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) writeProblem(ctx, new HttpProblem('not_found', 'No such resource.'));
        // The routers answer a known path with a wrong method (405), or a method they do not
        // implement at all (501, e.g. PROPFIND), with a bare status and the Allow header. Both
        // are the client's mistake: a 405 problem, keeping Allow. A 501 whose Allow is empty
        // means no route has the path at all: that is a 404, as it is for any other method.
        else if (ctx.status === 405 || ctx.status === 501) {
          if (ctx.response.get('Allow') === '') {
            ctx.remove('Allow');
            writeProblem(ctx, new HttpProblem('not_found', 'No such resource.'));
          } else {
            writeProblem(ctx, new HttpProblem('method_not_allowed', `${ctx.method} is not allowed on this resource.`));
          }
        }
      }
    } catch (error) {
      const problem = toProblem(error);
      if (problem) {
        if (problem.code === 'dependency_unavailable') {
          log.warn({ requestId: ctx.state['requestId'], err: error }, 'dependency unavailable');
        }
        writeProblem(ctx, problem);
        return;
      }
      log.error({ requestId: ctx.state['requestId'], err: error }, 'unhandled error');
      writeProblem(ctx, new HttpProblem('internal_error', 'An internal error occurred.'));
    }
  };
}
