import type { Kysely } from 'kysely';

/**
 * Routing (docs/decisions/0012-runtime-targets.md): `worker_targets` lists the queues (run kind
 * and runtime target) each worker process serves, under its presence id. A row counts only while
 * its worker holds its presence lock; rows of workers that are gone are dropped by the next
 * worker that registers.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('worker_targets')
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('target', 'text', (col) => col.notNull())
    .addColumn('presence_id', 'integer', (col) => col.notNull())
    .addColumn('registered_at', 'timestamptz', (col) => col.notNull().defaultTo(db.fn('now')))
    .addPrimaryKeyConstraint('worker_targets_pkey', ['kind', 'target', 'presence_id'])
    .execute();
  await db.schema.createIndex('worker_targets_presence_idx').on('worker_targets').column('presence_id').execute();
}
