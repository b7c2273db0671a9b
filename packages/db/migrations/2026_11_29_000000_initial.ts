import { sql, type Kysely } from 'kysely';

/**
 * The run store: runs, their event log, API keys, conversations and messages.
 *
 * Run ids are `run_` + ULID, so `id DESC` is creation order; the list indexes therefore end in
 * `id DESC` and serve keyset pagination for every filter of `GET /runs`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'bytea', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('project_ids', sql`uuid[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('api_keys_projects_check', sql`cardinality(project_ids) > 0`)
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('conversations_project_idx').on('conversations').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('previous_status', 'text')
    .addColumn('executor', 'text', (c) => c.notNull().defaultTo('worker'))
    .addColumn('owner_kind', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'uuid', (c) => c.notNull())
    .addColumn('public_id', 'text')
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('request', 'jsonb', (c) => c.notNull())
    .addColumn('parent_run_id', 'text', (c) => c.references('runs.id'))
    .addColumn('root_run_id', 'text', (c) => c.notNull())
    .addColumn('waiting_reason', 'text')
    .addColumn('metadata', 'jsonb')
    .addColumn('target', 'text')
    .addColumn('workflow_id', 'text')
    .addColumn('schedule_id', 'uuid')
    .addColumn('batch_id', 'uuid')
    .addColumn('runtime_target_kind', 'text')
    .addColumn('runtime_target_environment_id', 'uuid')
    .addColumn('runtime_target_branch_id', 'uuid')
    .addColumn('input', 'jsonb')
    .addColumn('config', 'jsonb')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('logs', 'text')
    .addColumn('artifacts', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('duration_ms', 'integer')
    .addColumn('exit_code', 'integer')
    .addColumn('start_mode', 'text')
    .addColumn('timeout_seconds', 'double precision')
    .addColumn('backoff_limit', 'double precision')
    .addColumn('trigger_kind', 'text')
    .addColumn('trigger_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('conversation_id', 'uuid', (c) => c.references('conversations.id'))
    .addColumn('message_id', 'uuid')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('event_seq', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('lease_token', 'uuid')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('resume_data', 'jsonb')
    .addColumn('wait_deadline_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addCheckConstraint('runs_kind_check', sql`kind in ('agent', 'workflow', 'task', 'eval')`)
    .addCheckConstraint('runs_status_check', sql`status in ('pending', 'running', 'waiting', 'completed', 'failed', 'cancelled')`)
    .addCheckConstraint('runs_executor_check', sql`executor in ('worker', 'caller')`)
    .addCheckConstraint('runs_owner_kind_check', sql`owner_kind in ('project', 'conversation')`)
    .addCheckConstraint('runs_waiting_reason_check', sql`waiting_reason in ('tool', 'approval', 'event', 'input')`)
    .execute();

  // Idempotency: one run per (owner, public_id).
  await db.schema
    .createIndex('runs_public_id_key')
    .on('runs')
    .columns(['owner_kind', 'owner_id', 'public_id'])
    .unique()
    .where(sql.ref('public_id'), 'is not', null)
    .execute();
  // GET /runs filters, each scoped to the caller's projects and ordered newest first.
  await db.schema.createIndex('runs_project_idx').on('runs').columns(['project_id', 'id desc']).execute();
  await db.schema.createIndex('runs_project_status_idx').on('runs').columns(['project_id', 'status', 'id desc']).execute();
  await db.schema.createIndex('runs_project_kind_idx').on('runs').columns(['project_id', 'kind', 'id desc']).execute();
  await db.schema.createIndex('runs_owner_idx').on('runs').columns(['owner_kind', 'owner_id', 'id desc']).execute();
  await db.schema.createIndex('runs_batch_idx').on('runs').columns(['batch_id', 'id desc']).where(sql.ref('batch_id'), 'is not', null).execute();
  await db.schema.createIndex('runs_parent_idx').on('runs').columns(['parent_run_id', 'id desc']).where(sql.ref('parent_run_id'), 'is not', null).execute();
  await db.schema.createIndex('runs_root_idx').on('runs').columns(['root_run_id', 'id desc']).execute();
  // The reconciler's scans: worker-executed runs that are not finished, oldest change first.
  await db.schema
    .createIndex('runs_unfinished_idx')
    .on('runs')
    .columns(['status', 'updated_at'])
    .where(sql<boolean>`status in ('pending', 'running', 'waiting') and executor = 'worker'`)
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id'))
    .addColumn('run_id', 'text', (c) => c.references('runs.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('content', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('messages_conversation_idx').on('messages').columns(['conversation_id', 'created_at']).execute();
  await db.schema.createIndex('messages_run_idx').on('messages').column('run_id').where(sql.ref('run_id'), 'is not', null).execute();

  await db.schema
    .createTable('run_events')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('data', 'jsonb')
    .addPrimaryKeyConstraint('run_events_pkey', ['run_id', 'seq'])
    .execute();
}
