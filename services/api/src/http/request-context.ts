import { randomUUID } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '@runq/config';
import type { RunqMetrics } from '@runq/metrics';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The route a request matched, as its template (`/runs/:run_id`), so the metric's label set
 * stays bounded whatever paths clients send.
 */
function routeLabel(ctx: Context): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  if (ctx.path.startsWith('/admin/')) return ctx.path.startsWith('/admin/queues') ? '/admin/queues' : '/admin/runs';
  return 'unmatched';
}

/**
 * Gives each request an id (the client's `X-Request-Id` when it is well-formed, else a new
 * UUID), returns it in `X-Request-Id` and logs one line per
 * request with method, route path, status and duration (also observed in the request-duration
 * histogram). Headers are never logged.
 */
export function requestContext(log: Logger, metrics?: RunqMetrics): Middleware {
  // The line's fields are fixed (id, method, path, status, duration) and none is one the logger
  // redacts, so this line skips the redaction pass (docs/decisions/0005-access-log-line.md).
  const accessLog = log.child({}, { redact: { paths: [] } });
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    const offered = ctx.get('x-request-id');
    const requestId = CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state['requestId'] = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const line = {
        requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
      if (ctx.status >= 500) accessLog.error(line, 'request');
      else accessLog.info(line, 'request');
      metrics?.httpDuration.observe({ method: ctx.method, route: routeLabel(ctx), status: String(ctx.status) }, line.ms / 1000);
    }
  };
}
