import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { clientOf } from '../http/client-address.js';
import { HttpProblem } from '../http/problem.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The origin (`scheme://host[:port]`) of `url`, or undefined when it is not an absolute URL. */
function originOf(url: string): string | undefined {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * True when a state-changing request comes from the admin pages themselves: its `Origin` has
 * this request's own scheme and host, the scheme being the one the client used (behind a trusted
 * proxy, its `X-Forwarded-Proto`). Without `Origin` (non-browser clients, older browsers),
 * `Sec-Fetch-Site` must be absent or `same-origin`, and a `Referer`, when sent, must have that
 * same origin. `Origin: null` and unparsable values count as cross-site.
 */
function isSameOrigin(ctx: Context): boolean {
  const own = originOf(`${clientOf(ctx).scheme}://${ctx.host}`);
  const origin = ctx.get('origin');
  if (origin !== '') return own !== undefined && originOf(origin) === own;
  const site = ctx.get('sec-fetch-site');
  if (site !== '' && site !== 'same-origin') return false;
  const referer = ctx.get('referer');
  return referer === '' || (own !== undefined && originOf(referer) === own);
}

/**
 * HTTP basic auth for the admin pages: user `admin`, password the configured token, compared
 * in constant time. State-changing requests must also come from the same origin (CSRF): a
 * browser always sends `Origin` on cross-site POST/PUT/DELETE, and its scheme and host must be
 * the request's own.
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
