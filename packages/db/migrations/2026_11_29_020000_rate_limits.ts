import { sql, type Kysely } from 'kysely';

/**
 * Counters of the API's rate limits when the queues live in Postgres (with Redis, the counters
 * live there). The layout is the one rate-limiter-flexible's Postgres store expects: one row per
 * limited key, its points in the current window and the window's end in epoch milliseconds.
 * Unlogged: a counter is worth nothing after a crash, and skipping the WAL keeps the upsert that
 * every request makes cheap.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    // Kysely has no builder option for UNLOGGED; modifyFront puts it after CREATE.
    .modifyFront(sql`unlogged`)
    .addColumn('key', 'varchar(255)', (col) => col.primaryKey())
    .addColumn('points', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('expire', 'bigint')
    .execute();
}
