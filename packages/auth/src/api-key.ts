import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PREFIX_LENGTH = 12;
/** 40 characters from a 62-letter alphabet: about 238 bits of entropy. */
const SECRET_LENGTH = 40;

/** `vf_<prefix>_<secret>`: a lowercase alphanumeric prefix, and a secret of at least 32 alphanumerics. */
const API_KEY_PATTERN = /^vf_([a-z0-9]{8,32})_([A-Za-z0-9]{32,128})$/;

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The parts of an API key. */
export interface ApiKeyParts {
  prefix: string;
  secret: string;
}

/** A newly generated key: the token is shown once; only the prefix and the hash are stored. */
export interface GeneratedApiKey extends ApiKeyParts {
  token: string;
  secretHash: Buffer;
}

/** Generates a new API key. */
export function generateApiKey(): GeneratedApiKey {
  const prefix = randomString('abcdefghijklmnopqrstuvwxyz0123456789', PREFIX_LENGTH);
  const secret = randomString(ALPHABET, SECRET_LENGTH);
  return { prefix, secret, token: `vf_${prefix}_${secret}`, secretHash: hashApiKeySecret(secret) };
}

/** Splits a token of the API key shape; `undefined` for anything else. */
export function parseApiKey(token: string): ApiKeyParts | undefined {
  const match = API_KEY_PATTERN.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  return { prefix: match[1], secret: match[2] };
}

/** True when the token has the API key shape (as opposed to a JWT). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('vf_');
}

/**
 * SHA-256 of a secret. A fast hash is the right tool here: the secret is ~238 random bits,
 * so there is nothing to brute-force, and a slow KDF would only cost every request latency.
 */
export function hashApiKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashApiKeySecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
