import type { Db } from '@runq/db';
import { looksLikeApiKey, parseApiKey } from './api-key.js';
import { ApiKeyVerifier, type ApiKeyVerifierOptions } from './api-key.service.js';
import type { Caller } from './caller.js';
import { JwtVerifier, type JwtConfig } from './jwt.js';

/** Why a request was not authenticated. */
export type AuthFailure = 'missing' | 'malformed' | 'invalid';

/** The outcome of {@link Authenticator.authenticate}. */
export type AuthResult = { ok: true; caller: Caller } | { ok: false; failure: AuthFailure };

/** The credential headers of a request. */
export interface CredentialHeaders {
  authorization?: string | undefined;
  'x-api-key'?: string | undefined;
}

/**
 * The token a request presents: `Authorization: Bearer <token>`, else `X-API-Key` (which must
 * have the API key shape); `undefined` when there is none, `null` when the header is malformed.
 */
export function presentedToken(headers: CredentialHeaders): string | null | undefined {
  if (headers.authorization !== undefined) {
    const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(headers.authorization);
    return match?.[1] ?? null;
  }
  if (headers['x-api-key'] !== undefined) {
    const key = headers['x-api-key'].trim();
    return looksLikeApiKey(key) ? key : null;
  }
  return undefined;
}

/**
 * The prefix of the API key a request presents, when the token has the API key format
 * (`vf_<prefix>_<secret>`), whether or not a key with that prefix exists: what failed-login
 * throttling counts per key. Undefined for anything else (no token, a JWT, a malformed header).
 */
export function presentedApiKeyPrefix(headers: CredentialHeaders): string | undefined {
  const token = presentedToken(headers);
  return typeof token === 'string' ? parseApiKey(token)?.prefix : undefined;
}

/**
 * Turns a request's credentials into a {@link Caller}: `Authorization: Bearer vf_…` or
 * `X-API-Key: vf_…` (API keys), or `Authorization: Bearer <JWT>` when JWTs are configured.
 */
export class Authenticator {
  private readonly apiKeys: ApiKeyVerifier;
  private readonly jwts: JwtVerifier | undefined;

  constructor(db: Db, options: { jwt?: JwtConfig; apiKeys?: ApiKeyVerifierOptions } = {}) {
    this.apiKeys = new ApiKeyVerifier(db, options.apiKeys);
    this.jwts = options.jwt && (options.jwt.secret || options.jwt.jwksUrl) ? new JwtVerifier(options.jwt) : undefined;
  }

  async authenticate(headers: CredentialHeaders): Promise<AuthResult> {
    const token = presentedToken(headers);
    if (token === undefined) return { ok: false, failure: 'missing' };
    if (token === null) return { ok: false, failure: 'malformed' };
    const caller = looksLikeApiKey(token) ? await this.apiKeys.verify(token) : await this.jwts?.verify(token);
    return caller ? { ok: true, caller } : { ok: false, failure: 'invalid' };
  }
}
