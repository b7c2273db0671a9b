import { findApiKeyByPrefix, insertApiKey, revokeApiKey, touchApiKey, type ApiKeyRow, type Db } from '@runq/db';
import { generateApiKey, parseApiKey, secretMatches } from './api-key.js';
import type { Caller } from './caller.js';

/**
 * Creates an API key scoped to `projectIds` and returns its token, the only time the secret
 * exists outside the caller's hands.
 *
 * @example const { token } = await createApiKey(db, { projectIds: [projectId], name: 'ci' });
 */
export async function createApiKey(db: Db, options: { projectIds: readonly string[]; name?: string | null }): Promise<{ token: string; prefix: string }> {
  const key = generateApiKey();
  await insertApiKey(db, {
    prefix: key.prefix,
    secret_hash: key.secretHash,
    name: options.name ?? null,
    project_ids: [...options.projectIds],
  });
  return { token: key.token, prefix: key.prefix };
}

/** Revokes the key with `prefix`; false when there is no active key with that prefix. */
export async function revokeApiKeyByPrefix(db: Db, prefix: string): Promise<boolean> {
  return revokeApiKey(db, prefix);
}

interface CachedKey {
  /** The lookup, shared by every request that needs it while it runs (no stampede at expiry). */
  row: Promise<ApiKeyRow | undefined>;
  expiresAt: number;
}

/** Options of {@link ApiKeyVerifier}. */
export interface ApiKeyVerifierOptions {
  /**
   * How long a key lookup is reused. Revocation takes effect within this time on every API
   * instance; in exchange an authenticated request costs no query. Default 5 s.
   */
  cacheTtlMs?: number;
  /** Called when recording `last_used_at` fails (it never fails the request). */
  onTouchError?: (error: unknown) => void;
}

/** Verifies API keys against the store, with a short-lived lookup cache. */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, CachedKey>();
  private readonly touchedAt = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: ApiKeyVerifierOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? 5_000;
  }

  /** The caller a token stands for, or `undefined` when it is malformed, unknown, revoked or wrong. */
  async verify(token: string): Promise<Caller | undefined> {
    const parts = parseApiKey(token);
    if (!parts) return undefined;
    const row = await this.lookup(parts.prefix);
    if (!row || row.revoked_at !== null || !secretMatches(parts.secret, row.secret_hash)) return undefined;
    this.touch(row);
    return { kind: 'api_key', name: `api_key:${row.prefix}`, projectIds: row.project_ids, keyPrefix: row.prefix };
  }

  private async lookup(prefix: string): Promise<ApiKeyRow | undefined> {
    const now = Date.now();
    const cached = this.cache.get(prefix);
    if (cached && cached.expiresAt > now) return cached.row;
    // The TTL counts from the start of the lookup, so a revocation committed before it starts
    // is seen by every request after `ttlMs` at the latest.
    const row = findApiKeyByPrefix(this.db, prefix);
    if (this.cache.size >= 10_000) this.cache.clear();
    const entry = { row, expiresAt: now + this.ttlMs };
    this.cache.set(prefix, entry);
    // A failed lookup is not remembered: the next request tries again.
    row.catch(() => {
      if (this.cache.get(prefix) === entry) this.cache.delete(prefix);
    });
    return row;
  }

  /** Records use at most once a minute per key and process; the store throttles across processes. */
  private touch(row: ApiKeyRow): void {
    const now = Date.now();
    if ((this.touchedAt.get(row.id) ?? 0) > now - 60_000) return;
    this.touchedAt.set(row.id, now);
    touchApiKey(this.db, row.id).catch((error: unknown) => this.options.onTouchError?.(error));
  }
}
