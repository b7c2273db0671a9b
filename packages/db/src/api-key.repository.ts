import { sql } from 'kysely';
import type { Db } from './database.js';
import type { ApiKeyRow, NewApiKeyRow } from './api-key.table.js';

/** Stores a new API key (its secret already hashed). */
export async function insertApiKey(db: Db, key: NewApiKeyRow): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(key).returningAll().executeTakeFirstOrThrow();
}

/** Finds a key by its public prefix, revoked or not. */
export async function findApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

/** Revokes a key; returns false when no active key has that prefix. */
export async function revokeApiKey(db: Db, prefix: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('prefix', '=', prefix)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Records that a key was used. Writes at most once a minute per key, so a busy key does not
 * turn every authenticated request into a write.
 */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}
