import { sql, type RawBuilder } from 'kysely';

/*
 * `status = any(statuses)`, for statements that find their runs by id, written so that no index
 * on `status` can serve it: with stale statistics Postgres may otherwise scan a whole backlog
 * through a status index to update one run (docs/decisions/0002-plans-of-run-writes.md).
 */

/** The guard for a query built with Kysely (on the `status` column of its one table). */
export function statusGuard(statuses: readonly string[]): RawBuilder<boolean> {
  return sql<boolean>`(status = any(${statuses}::text[])) is true`;
}

/** The guard as SQL text, for fixed-text statements: `column` among `statuses` (written into the text). */
export function statusGuardSql(column: string, statuses: readonly string[]): string {
  return `(${column} = any('{${statuses.join(',')}}'::text[])) is true`;
}
