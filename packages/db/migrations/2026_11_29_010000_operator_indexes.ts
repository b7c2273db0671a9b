import type { Kysely } from 'kysely';

/**
 * Indexes for the operator's run explorer, which lists runs across all projects filtered by
 * status or kind (the API's listings always start with the caller's projects and use the
 * `project_id`-led indexes). Both end in `id DESC`, the explorer's keyset order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('runs_status_idx').on('runs').columns(['status', 'id desc']).execute();
  await db.schema.createIndex('runs_kind_idx').on('runs').columns(['kind', 'id desc']).execute();
}
