import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Caller } from './caller.js';

/** How JWTs are verified: a shared HS256 secret, or the keys published at a JWKS URL. */
export interface JwtConfig {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * The projects a token grants: the `project_ids` claim (an array of UUIDs) or a single
 * `project_id`. Anything else grants nothing, and the token is refused.
 */
export function projectIdsOf(payload: JWTPayload): string[] {
  const claim = payload['project_ids'] ?? (payload['project_id'] === undefined ? undefined : [payload['project_id']]);
  if (!Array.isArray(claim) || claim.length === 0) return [];
  return claim.every((id) => typeof id === 'string' && UUID.test(id)) ? (claim as string[]).map((id) => id.toLowerCase()) : [];
}

/** Verifies JWTs; `verify` resolves to the caller, or `undefined` for any invalid token. */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: JwtConfig) {
    if (config.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl));
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
      const result =
        this.key instanceof Uint8Array
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
    const projectIds = projectIdsOf(payload);
    if (projectIds.length === 0) return undefined;
    const subject = typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : 'anonymous';
    return { kind: 'jwt', name: `jwt:${subject}`.slice(0, 255), projectIds };
  }
}
