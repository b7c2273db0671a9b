import type { Context, Middleware, Next } from 'koa';
import type { RunTracing } from '@runq/tracing';

/**
 * One server span per request (OpenTelemetry HTTP conventions: method, path, scheme, status,
 * and the route template once the router matched one), continuing the caller's trace when the
 * request carries a W3C `traceparent`. Everything the request does, such as creating and
 * dispatching a run, nests inside it. Mounted only when tracing is on.
 */
export function traceRequests(tracing: RunTracing): Middleware {
  return (ctx: Context, next: Next) =>
    tracing.traceHttpRequest(
      { method: ctx.method, path: ctx.path, scheme: ctx.protocol, headers: ctx.headers },
      () => next(),
      () => {
        const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
        return { status: ctx.status, route: typeof matched === 'string' ? matched : undefined };
      },
    );
}
