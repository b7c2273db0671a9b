import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/** The table rate-limiter-flexible's Postgres store keeps its counters in (see the migration). */
export const RATE_LIMIT_TABLE = 'rate_limits';

/** The `pg` query shape rate-limiter-flexible sends and reads back. */
export interface PgLikeQuery {
  text: string;
  values?: unknown[];
  name?: string;
}

/** What rate-limiter-flexible's Postgres store needs of a `pg` pool: `query()`. */
export interface RateLimitStoreClient {
  query(query: PgLikeQuery): Promise<{ rows: unknown[]; rowCount: number }>;
}

/**
 * A `pg`-pool-shaped client over `db` for rate-limiter-flexible's Postgres store, so the limiter
 * shares the API's pool instead of opening another. The store writes its own SQL (an upsert on
 * {@link RATE_LIMIT_TABLE}); it is run as given, with its parameters bound. Statement names are
 * dropped (the pool's connections are shared, and unnamed statements are cached by Postgres per
 * connection anyway).
 */
export function rateLimitStoreClient(db: Db): RateLimitStoreClient {
  return {
    async query(query) {
      // Raw SQL: the statements are the library's, not expressible through the builder.
      const result = await db.executeQuery(CompiledQuery.raw(query.text, query.values ?? []));
      const affected = result.numAffectedRows;
      return { rows: [...result.rows], rowCount: affected !== undefined ? Number(affected) : result.rows.length };
    },
  };
}
