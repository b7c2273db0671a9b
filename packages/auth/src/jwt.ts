import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { UUID_PATTERN } from '@runq/runs';
import type { Caller } from './caller.js';

/** How JWTs are verified: a shared HS256 secret, or the keys published at a JWKS URL. */
export interface JwtConfig {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** An unpaired UTF-16 surrogate: like NUL, text Postgres refuses. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * The projects a token grants: the `project_ids` claim (an array of UUIDs) or a single
 * `project_id`. Anything else grants nothing, and the token is refused.
 */
export function projectIdsOf(payload: JWTPayload): string[] {
  const claim = payload['project_ids'] ?? (payload['project_id'] === undefined ? undefined : [payload['project_id']]);
  if (!Array.isArray(claim) || claim.length === 0) return [];
  return claim.every((id) => typeof id === 'string' && UUID_PATTERN.test(id)) ? (claim as string[]).map((id) => id.toLowerCase()) : [];
}

/**
 * The key set at the JWKS URL could not be fetched or read (network error, timeout, non-200,
 * not a key set). The token may well be valid: the caller should retry later (503), not be
 * told its credentials are bad.
 */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
  constructor(options: { cause: unknown }) {
    super('the JSON Web Key Set could not be fetched', options);
  }
}

/** Errors of the remote key set that are about the token (its header names no usable key), not about the key set. */
const TOKEN_KEY_ERRORS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported, errors.JOSEAlgNotAllowed, errors.JWSInvalid];

/** A remote key set whose fetch failures are {@link KeySetUnavailableError}s. */
function remoteKeySet(url: string): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(url));
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (TOKEN_KEY_ERRORS.some((type) => error instanceof type)) throw error;
      throw new KeySetUnavailableError({ cause: error });
    }
  };
}

/**
 * Verifies JWTs; `verify` resolves to the caller, or `undefined` for any invalid token. It
 * rejects with {@link KeySetUnavailableError} when the JWKS cannot be fetched.
 */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: JwtConfig) {
    if (config.jwksUrl) {
      this.key = remoteKeySet(config.jwksUrl);
      this.algorithms = ASYMMETRIC;
    } else if (config.secret) {
      this.key = new TextEncoder().encode(config.secret);
      this.algorithms = ['HS256'];
    } else {
      throw new Error('JwtVerifier needs a secret or a JWKS URL');
    }
  }

  async verify(token: string): Promise<Caller | undefined> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.algorithms,
        requiredClaims: ['exp'],
        ...(this.config.issuer ? { issuer: this.config.issuer } : {}),
        ...(this.config.audience ? { audience: this.config.audience } : {}),
      };
      const result = this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
    const projectIds = projectIdsOf(payload);
    if (projectIds.length === 0) return undefined;
    const subject = typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : 'anonymous';
    // The name is stored (created_by, event data): a subject Postgres cannot store makes the token unusable.
    if (subject.includes('\u0000') || LONE_SURROGATE.test(subject)) return undefined;
    // created_by holds at most 255 characters; cut by code point so no surrogate pair is split.
    return { kind: 'jwt', name: Array.from(`jwt:${subject}`).slice(0, 255).join(''), projectIds };
  }
}
