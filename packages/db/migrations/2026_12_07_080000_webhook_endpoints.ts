import { sql, type Kysely } from 'kysely';

/**
 * Inbound webhooks (docs/decisions/0020-inbound-webhooks.md):
 * - `webhook_endpoints`: a project's endpoints, each with the run body template a delivery
 *   creates a run from;
 * - `webhook_endpoint_secrets`: an endpoint's signing secrets, sealed (never stored in the
 *   clear); a secret replaced by a rotation stays valid until its `expires_at`;
 * - `webhook_inbound_deliveries`: what came in and what became of it. A signed `webhook-id` is
 *   accepted once per endpoint (the partial unique index); deliveries that fail before their
 *   signature is verified are counted per endpoint, reason and minute (`bucket`) in one row, so
 *   that a flood of forged requests cannot fill the table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_id', 'uuid', (col) => col.notNull())
    .addColumn('key', 'text')
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('run', 'jsonb', (col) => col.notNull())
    .addColumn('paused', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index webhook_endpoints_project_key_idx on webhook_endpoints (project_id, key) where key is not null`.execute(db);
  await sql`create index webhook_endpoints_project_idx on webhook_endpoints (project_id, created_at desc, id desc)`.execute(db);

  await db.schema
    .createTable('webhook_endpoint_secrets')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('endpoint_id', 'uuid', (col) => col.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('sealed', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .execute();
  await sql`create index webhook_endpoint_secrets_endpoint_idx on webhook_endpoint_secrets (endpoint_id)`.execute(db);

  await db.schema
    .createTable('webhook_inbound_deliveries')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('endpoint_id', 'uuid', (col) => col.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('webhook_id', 'text')
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('outcome', 'text', (col) => col.notNull().check(sql`outcome in ('accepted', 'duplicate', 'rejected')`))
    .addColumn('reason', 'text')
    .addColumn('detail', 'jsonb')
    .addColumn('status_code', 'integer', (col) => col.notNull())
    .addColumn('run_id', 'text')
    .addColumn('bucket', 'timestamptz')
    .addColumn('count', 'integer', (col) =>
      col
        .notNull()
        .defaultTo(1)
        .check(sql`count >= 1`),
    )
    .execute();
  await sql`create unique index webhook_inbound_deliveries_accepted_idx on webhook_inbound_deliveries (endpoint_id, webhook_id) where outcome = 'accepted'`.execute(
    db,
  );
  await sql`create unique index webhook_inbound_deliveries_bucket_idx on webhook_inbound_deliveries (endpoint_id, reason, bucket) where bucket is not null`.execute(
    db,
  );
  await sql`create index webhook_inbound_deliveries_endpoint_idx on webhook_inbound_deliveries (endpoint_id, received_at desc, id desc)`.execute(db);
}
