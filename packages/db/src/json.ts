import type { ColumnType } from 'kysely';

/**
 * A `jsonb` column: read as the parsed value, written as JSON text. Values are serialised
 * by {@link toJson} rather than handed to `pg` as objects, because `pg` turns JS arrays into
 * Postgres array literals, which `jsonb` rejects.
 */
export type JsonColumn<T = unknown> = ColumnType<T, string | null | undefined, string | null>;

/** Serialises a value for a {@link JsonColumn}; `undefined` and `null` become SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
