import { sql, type Kysely } from 'kysely';

/**
 * Outbound deliveries keep their order in the rows themselves, so that claiming is one ordered
 * index scan that stops at its limit (docs/decisions/0023-webhook-delivery-claims.md). A pending
 * delivery with no `next_attempt_at` is held, and never claimed:
 * - the outbox trigger holds a delivery when an earlier delivery of its subscription and run is
 *   still pending (or comes earlier in the same statement);
 * - disabling a subscription holds all its pending deliveries; enabling it makes the earliest
 *   pending delivery of each of its runs due now;
 * - finishing a delivery (delivered or given up) makes the next held one of its run due
 *   (`recordWebhookAttempts`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function runq_webhook_outbox() returns trigger language plpgsql as $$
    begin
      if not exists (select 1 from webhook_subscriptions where enabled) then
        return null;
      end if;
      insert into webhook_deliveries (id, subscription_id, run_id, event_seq, type, created_at, next_attempt_at)
      select gen_random_uuid(), m.subscription_id, m.run_id, m.seq, m.type, m.at,
        case when m.rank = 1 and not exists (
          select 1 from webhook_deliveries as p
          where p.subscription_id = m.subscription_id and p.run_id = m.run_id and p.state = 'pending'
        ) then m.at end
      from (
        select s.id as subscription_id, e.run_id, e.seq, 'run.' || e.to_status as type, e.at,
          row_number() over (partition by s.id, e.run_id order by e.seq) as rank
        from new_events as e
        join runs as r on r.id = e.run_id
        join webhook_subscriptions as s
          on s.project_id = r.project_id and s.enabled
          and ('run.' || e.to_status) = any (s.events)
          and (s.filter_kind is null or s.filter_kind = r.kind)
          and (s.filter_target is null or s.filter_target = r.target)
        where e.to_status in ('completed', 'failed', 'cancelled', 'waiting')
      ) as m;
      return null;
    end
    $$`.execute(db);

  await sql`
    create function runq_webhook_subscription_enabled() returns trigger language plpgsql as $$
    begin
      if new.enabled then
        update webhook_deliveries as d set next_attempt_at = now()
        where d.subscription_id = new.id and d.state = 'pending' and d.next_attempt_at is null
          and not exists (
            select 1 from webhook_deliveries as p
            where p.subscription_id = d.subscription_id and p.run_id = d.run_id and p.state = 'pending' and p.event_seq < d.event_seq
          );
      else
        update webhook_deliveries set next_attempt_at = null
        where subscription_id = new.id and state = 'pending' and next_attempt_at is not null;
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger webhook_subscriptions_enabled after update of enabled on webhook_subscriptions
    for each row when (old.enabled is distinct from new.enabled)
    execute function runq_webhook_subscription_enabled()`.execute(db);

  // Pending deliveries of subscriptions disabled before this migration are held like the rest.
  await sql`
    update webhook_deliveries as d set next_attempt_at = null
    from webhook_subscriptions as s
    where s.id = d.subscription_id and not s.enabled and d.state = 'pending'`.execute(db);
  // Deliveries waiting behind an earlier one of their run are held.
  await sql`
    update webhook_deliveries as d set next_attempt_at = null
    where d.state = 'pending' and exists (
      select 1 from webhook_deliveries as p
      where p.subscription_id = d.subscription_id and p.run_id = d.run_id and p.state = 'pending' and p.event_seq < d.event_seq
    )`.execute(db);
}
