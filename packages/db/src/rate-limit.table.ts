import type { ColumnType } from 'kysely';

/**
 * The `rate_limits` table: the API's rate-limit counters on the Postgres backend, written only by
 * rate-limiter-flexible's Postgres store (through {@link rateLimitStoreClient}).
 */
export interface RateLimitTable {
  key: string;
  points: ColumnType<number, number | undefined, number>;
  /** End of the key's current window, in epoch milliseconds (bigint: returned as a string). */
  expire: string | null;
}
