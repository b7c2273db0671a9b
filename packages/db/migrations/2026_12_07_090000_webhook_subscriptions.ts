import { sql, type Kysely } from 'kysely';

/**
 * Outbound webhooks (docs/decisions/0021-outbound-webhooks.md):
 * - `webhook_subscriptions`: a project's destinations, the events and runs (kind, target) each
 *   wants, its signing secret sealed under `RUNQ_SECRETS_KEY`, and when and why it was disabled;
 * - `webhook_deliveries`: the outbox, one row per event and matching subscription, written by
 *   the statement that records the event, and its delivery state (attempts, next attempt, last
 *   answer); its id is the `webhook-id` every attempt carries;
 * - `runq_webhook_outbox()`: a statement-level trigger on `run_events` that writes those rows,
 *   once per statement, in the transaction of the transition.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('project_id', 'uuid', (col) => col.notNull())
    .addColumn('url', 'text', (col) => col.notNull())
    .addColumn('events', sql`text[]`, (col) => col.notNull())
    .addColumn('filter_kind', 'text', (col) => col.check(sql`filter_kind in ('agent', 'workflow', 'task', 'eval')`))
    .addColumn('filter_target', 'text')
    .addColumn('secret_sealed', 'text', (col) => col.notNull())
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('disabled_reason', 'text')
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index webhook_subscriptions_project_idx on webhook_subscriptions (project_id, created_at desc, id desc)`.execute(db);
  // The trigger's join: the enabled subscriptions of a project.
  await sql`create index webhook_subscriptions_enabled_idx on webhook_subscriptions (project_id) where enabled`.execute(db);

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('subscription_id', 'uuid', (col) => col.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('event_seq', 'integer', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull().check(sql`type in ('run.completed', 'run.failed', 'run.cancelled', 'run.waiting')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('state', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`state in ('pending', 'delivered', 'failed')`),
    )
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('last_duration_ms', 'integer')
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  // The deliverers' scan: pending deliveries by when they are next due.
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where state = 'pending'`.execute(db);
  // Order per subscription and run: a delivery waits for the earlier pending ones of its run.
  await sql`create index webhook_deliveries_pending_idx on webhook_deliveries (subscription_id, run_id, event_seq) where state = 'pending'`.execute(db);
  // A subscription's delivery log, newest first.
  await sql`create index webhook_deliveries_log_idx on webhook_deliveries (subscription_id, created_at desc, id desc)`.execute(db);

  // One call per statement that records events, whatever the number of rows. A deployment with
  // no enabled subscription stops at the first probe; otherwise the events of the statement that
  // notify are joined with the matching subscriptions and written to the outbox.
  await sql`
    create function runq_webhook_outbox() returns trigger language plpgsql as $$
    begin
      if not exists (select 1 from webhook_subscriptions where enabled) then
        return null;
      end if;
      insert into webhook_deliveries (id, subscription_id, run_id, event_seq, type, created_at, next_attempt_at)
      select gen_random_uuid(), s.id, e.run_id, e.seq, 'run.' || e.to_status, e.at, e.at
      from new_events as e
      join runs as r on r.id = e.run_id
      join webhook_subscriptions as s
        on s.project_id = r.project_id and s.enabled
        and ('run.' || e.to_status) = any (s.events)
        and (s.filter_kind is null or s.filter_kind = r.kind)
        and (s.filter_target is null or s.filter_target = r.target)
      where e.to_status in ('completed', 'failed', 'cancelled', 'waiting');
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger run_events_webhook_outbox after insert on run_events
    referencing new table as new_events
    for each statement execute function runq_webhook_outbox()`.execute(db);
}
