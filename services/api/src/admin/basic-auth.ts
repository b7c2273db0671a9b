import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { HttpProblem } from '../http/problem.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * True when a state-changing request comes from the admin pages themselves: its `Origin` names
 * this host, or (no `Origin`, as from non-browser clients) `Sec-Fetch-Site` is absent or
 * `same-origin`. `Origin: null` and unparsable origins count as cross-site.
 */
function isSameOrigin(ctx: Context): boolean {
  const origin = ctx.get('origin');
  if (origin === '') {
    const site = ctx.get('sec-fetch-site');
    return site === '' || site === 'same-origin';
  }
  try {
    return new URL(origin).host === ctx.host;
  } catch {
    return false;
  }
}

/**
 * HTTP basic auth for the admin pages: user `admin`, password the configured token, compared
 * in constant time. State-changing requests must also come from the same origin (CSRF): a
 * browser always sends `Origin` on cross-site POST/PUT/DELETE, and it must match `Host`.
 */
export function adminAuth(token: string): Middleware {
  const expected = digest(`admin:${token}`);
  return async (ctx: Context, next: Next) => {
    const match = /^Basic[ ]+([A-Za-z0-9+/=]+)$/i.exec(ctx.get('authorization'));
    const presented = match?.[1] ? digest(Buffer.from(match[1], 'base64').toString('utf8')) : undefined;
    if (!presented || !timingSafeEqual(presented, expected)) {
      throw new HttpProblem('unauthorized', 'The admin pages need the admin user and token.', {
        headers: { 'WWW-Authenticate': 'Basic realm="runq admin", charset="UTF-8"' },
      });
    }
    // The admin pages send their own origin with their forms (the API's default
    // `Referrer-Policy: no-referrer` would make browsers send `Origin: null`).
    ctx.set('Referrer-Policy', 'same-origin');
    if (!['GET', 'HEAD', 'OPTIONS'].includes(ctx.method) && !isSameOrigin(ctx)) {
      throw new HttpProblem('forbidden', 'Cross-site requests to the admin pages are refused.');
    }
    await next();
  };
}
