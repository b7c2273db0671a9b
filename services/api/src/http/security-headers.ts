import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * Security headers on every response (helmet's defaults, adjusted):
 * - the CSP is helmet's default minus `upgrade-insecure-requests` (runq is often served over
 *   plain HTTP inside a network, where upgrading the dashboard's assets to https would break
 *   it) and with `frame-ancestors 'none'`; it lets Bull Board and the run explorer work as
 *   they are (scripts from their own origin, inline styles, the dashboard's web font
 *   stylesheet) and means nothing to JSON responses;
 * - `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer`, as the API always sent (the
 *   admin pages relax the referrer policy to `same-origin` for their forms);
 * - HSTS without `includeSubDomains`: runq does not own its parent domain's other hosts.
 * Requests refused by Node's parser never get here; `client-error.ts` writes their answers.
 */
export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { 'upgrade-insecure-requests': null, 'frame-ancestors': ["'none'"] },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  });
}
