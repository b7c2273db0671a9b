import type { Kysely } from 'kysely';

/**
 * `bulk_actions.chunk_failures`: how many passes in a row failed on the action's next chunk
 * (an error, not a crash: a process that dies records nothing). A successful chunk sets it back
 * to 0; at the executor's bound the action is marked `failed` with the last error in `error`
 * (docs/decisions/0019-batches-and-bulk-actions.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('bulk_actions')
    .addColumn('chunk_failures', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
}
