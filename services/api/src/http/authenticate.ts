import type { Context, Middleware, Next } from 'koa';
import { KeySetUnavailableError, type Authenticator, type Caller, type CredentialHeaders } from '@runq/auth';
import { HttpProblem } from './problem.js';

const DETAIL = {
  missing: 'Send an API key (Authorization: Bearer vf_… or X-API-Key) or a JWT (Authorization: Bearer …).',
  malformed: 'The credentials header is malformed.',
  invalid: 'The credentials are invalid, expired or revoked.',
} as const;

/** The authenticated caller of a request (set by {@link authenticate}). */
export function callerOf(ctx: Context): Caller {
  const caller = ctx.state['caller'] as Caller | undefined;
  if (!caller) throw new Error('route reached without authentication');
  return caller;
}

/** The credential headers of a request, as the authenticator reads them (absent when empty). */
export function credentialHeadersOf(ctx: Context): CredentialHeaders {
  return {
    authorization: ctx.get('authorization') || undefined,
    'x-api-key': ctx.get('x-api-key') || undefined,
  };
}

/**
 * Requires credentials on every route behind it: 401 with `WWW-Authenticate` when they are
 * missing or bad; otherwise the caller is available through {@link callerOf}.
 */
export function authenticate(authenticator: Authenticator): Middleware {
  return async (ctx: Context, next: Next) => {
    const result = await authenticator.authenticate(credentialHeadersOf(ctx)).catch((error: unknown) => {
      // The token may be fine; the keys to check it are out of reach for now.
      if (error instanceof KeySetUnavailableError) {
        throw new HttpProblem('dependency_unavailable', 'The JWT signing keys cannot be fetched; retry later.', {
          headers: { 'Retry-After': '5' },
        });
      }
      throw error;
    });
    if (!result.ok) {
      const error = result.failure === 'missing' ? '' : ', error="invalid_token"';
      throw new HttpProblem('unauthorized', DETAIL[result.failure], {
        headers: { 'WWW-Authenticate': `Bearer realm="runq"${error}` },
      });
    }
    ctx.state['caller'] = result.caller;
    await next();
  };
}
