import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook secrets at rest: AES-256-GCM under a key derived from `RUNQ_SECRETS_KEY`, so a
 * database dump alone does not reveal a secret usably. A sealed value is
 * `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts); the key id (the first 8 hex digits of
 * the key's SHA-256) names the key it was sealed under, so a wrong key is a clear error rather
 * than garbage.
 */

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/** A sealed value could not be opened: another key sealed it, or it was altered. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/** Seals and opens short secrets with one key. */
export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  /** `material` is the configured key text (`RUNQ_SECRETS_KEY`, checked by the configuration); it is hashed to 32 bytes. */
  constructor(material: string) {
    this.#key = createHash('sha256').update(`runq-secret-box:${material}`).digest();
    this.keyId = createHash('sha256').update(this.#key).digest('hex').slice(0, 8);
  }

  /** The sealed form of `plain`. */
  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join('.');
  }

  /** The plain text of a value this box's key sealed. */
  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new SecretBoxError('not a sealed secret');
    const [, keyId, iv, tag, body] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId) throw new SecretBoxError(`sealed under key ${keyId}, not the configured key ${this.keyId}`);
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the sealed secret was altered');
    }
  }
}
