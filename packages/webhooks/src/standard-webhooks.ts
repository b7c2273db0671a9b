import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Signing and verification in the Standard Webhooks scheme
 * (https://www.standardwebhooks.com): a delivery carries `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256>`
 * over `<id>.<timestamp>.<raw body>`, keyed with the secret's decoded bytes.
 */

/** The prefix of a secret in its shown form. */
export const SECRET_PREFIX = 'whsec_';
/** The bytes of randomness in a generated secret. */
export const SECRET_BYTES = 32;
/** How far a delivery's timestamp may be from the receiver's clock, either way. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** The three headers of a signed delivery, by their lower-case names (a type alias, so it passes as a header record). */
export type SignedHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** Why a delivery failed verification; the reason is safe to show its sender. */
export type VerifyFailure = 'missing_headers' | 'malformed_timestamp' | 'stale_timestamp' | 'future_timestamp' | 'bad_signature';

/** A new secret in its shown form: `whsec_` and the base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The key bytes of a secret given with or without its `whsec_` prefix. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** A secret's key, decoded once for signing many deliveries with {@link signature}. */
export function signingKey(secret: string): KeyObject {
  return createSecretKey(secretKey(secret));
}

/** The `v1,…` signature of one delivery, with a secret or its {@link signingKey}. */
export function signature(secret: string | KeyObject, id: string, timestamp: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', typeof secret === 'string' ? secretKey(secret) : secret);
  mac.update(`${id}.${timestamp}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/** The headers that sign `body` as delivery `id` at `timestamp` (Unix seconds). */
export function signedHeaders(secret: string | KeyObject, id: string, timestamp: number, body: string | Uint8Array): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature(secret, id, timestamp, body),
  };
}

/**
 * Checks a delivery against every secret that is valid now (two during a rotation's overlap).
 * The raw body is checked before anything parses it. Returns the failure, or undefined when
 * one of the listed `v1` signatures matches one of the secrets.
 */
export function verifyDelivery(
  secrets: readonly string[],
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string | Uint8Array,
  nowSeconds: number,
): VerifyFailure | undefined {
  const id = single(headers['webhook-id']);
  const timestampText = single(headers['webhook-timestamp']);
  const signatureList = single(headers['webhook-signature']);
  if (id === undefined || timestampText === undefined || signatureList === undefined) return 'missing_headers';
  if (!/^\d{1,12}$/.test(timestampText)) return 'malformed_timestamp';
  const timestamp = Number(timestampText);
  if (timestamp < nowSeconds - TIMESTAMP_TOLERANCE_SECONDS) return 'stale_timestamp';
  if (timestamp > nowSeconds + TIMESTAMP_TOLERANCE_SECONDS) return 'future_timestamp';
  const offered = signatureList
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(signature(secret, id, timestamp, body).slice(3), 'base64');
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
      return undefined;
    }
  }
  return 'bad_signature';
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}
