import type { ColumnType, Insertable, Selectable } from 'kysely';

/** The `api_keys` table. Only a SHA-256 hash of each secret is stored. */
export interface ApiKeyTable {
  id: ColumnType<string, string | undefined, never>;
  prefix: string;
  secret_hash: Buffer;
  name: string | null;
  project_ids: string[];
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: ColumnType<Date | null, Date | null | undefined, Date>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date>;
}

/** A row of `api_keys` as selected. */
export type ApiKeyRow = Selectable<ApiKeyTable>;
/** A row of `api_keys` to insert. */
export type NewApiKeyRow = Insertable<ApiKeyTable>;
