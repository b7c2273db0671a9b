import { sql } from 'kysely';
import type { Db } from './database.js';
import { RUN_LIST_COLUMNS, type RunListRow } from './run.repository.js';
import type { WebhookDeliveryState, WebhookEventType, WebhookSubscriptionRow } from './webhook-subscription.table.js';

/** A delivery claimed for one attempt. */
export interface ClaimedWebhookDelivery {
  id: string;
  subscription_id: string;
  run_id: string;
  type: WebhookEventType;
  created_at: Date;
  /** This attempt's number (1-based). */
  attempts: number;
}

/** How one attempt ended. */
export interface WebhookAttemptOutcome {
  id: string;
  attempt: number;
  /** The receiver's status code; null when no answer came (refused address, network error, timeout). */
  statusCode: number | null;
  durationMs: number;
  /** null: delivered (a 2xx); else why it failed. */
  error: string | null;
  /** For a failure: when to try again, in milliseconds from now. */
  retryInMs: number;
  /** For a failure: how long after its event a delivery is retried before it is given up on. */
  windowMs: number;
}

/** What {@link recordWebhookAttempts} did to a delivery whose attempt failed past its window. */
export interface GivenUpDelivery {
  id: string;
  subscription_id: string;
  last_error: string | null;
}

/**
 * Claims up to `limit` due deliveries, earliest due first, hands them to `deliver`, and records
 * its outcomes, all in one transaction: the claimed rows stay locked while they are delivered,
 * so no other deliverer takes them and nothing is written until the outcome is known
 * (docs/decisions/0023-webhook-delivery-claims.md). Should the deliverer die, the transaction
 * ends with its connection and the deliveries are due again at once; should it stall, the
 * session is ended after `lockBoundMs` idle in the transaction. Order within a run is kept by
 * holding (no `next_attempt_at`) every delivery that waits for an earlier one of its
 * subscription and run, and every delivery of a disabled subscription, so the claim is one
 * ordered scan of the due index that stops at its limit; `skip locked` lets deliverers claim side
 * by side. Resolves with the deliveries claimed and those given up on.
 */
export async function deliverDueWebhooks(
  db: Db,
  limit: number,
  lockBoundMs: number,
  deliver: (claimed: readonly ClaimedWebhookDelivery[]) => Promise<readonly WebhookAttemptOutcome[]>,
): Promise<{ claimed: readonly ClaimedWebhookDelivery[]; outcomes: readonly WebhookAttemptOutcome[]; givenUp: GivenUpDelivery[] }> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('idle_in_transaction_session_timeout', ${String(lockBoundMs)}, true)`.execute(trx);
    // The builder has no `for update skip locked` with this ordering on a partial index.
    const { rows: claimed } = await sql<ClaimedWebhookDelivery>`
      select id, subscription_id, run_id, type, created_at, attempts + 1 as attempts
      from webhook_deliveries
      where state = 'pending' and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked`.execute(trx);
    if (claimed.length === 0) return { claimed, outcomes: [], givenUp: [] };
    const outcomes = await deliver(claimed);
    return { claimed, outcomes, givenUp: await recordWebhookAttempts(trx, outcomes) };
  });
}

/**
 * Records the outcomes of attempts (the deliveries are locked by the caller's transaction): a
 * success delivers it; a failure makes it due again `retryInMs` from now, or, past `windowMs`
 * after its event, gives it up (`failed`); a failure while its subscription is disabled holds it.
 * A delivery that ends (delivered or given up) makes the next held one of its run due. The
 * attempt is dated at the transaction's start, when it was claimed. Returns the deliveries given
 * up on.
 */
async function recordWebhookAttempts(db: Db, outcomes: readonly WebhookAttemptOutcome[]): Promise<GivenUpDelivery[]> {
  // One statement for the whole batch: unnest of the outcome arrays is not expressible in the
  // builder. Every row is found by its id (the rows are locked by the caller, so no state check):
  // a condition on `state` would let the planner scan every pending row. The release reads the
  // snapshot before `ended`, where the next delivery of the run is the earliest pending one after
  // the ended one.
  const result = await sql<GivenUpDelivery & { state: WebhookDeliveryState }>`
    with outcome as (
      select * from unnest(
        ${outcomes.map((o) => o.id)}::uuid[], ${outcomes.map((o) => o.attempt)}::integer[], ${outcomes.map((o) => o.statusCode)}::integer[],
        ${outcomes.map((o) => Math.round(o.durationMs))}::integer[], ${outcomes.map((o) => o.error)}::text[],
        ${outcomes.map((o) => o.retryInMs)}::double precision[], ${outcomes.map((o) => o.windowMs)}::double precision[]
      ) as o(id, attempt, status_code, duration_ms, error, retry_ms, window_ms)
    ), ended as (
      update webhook_deliveries as d set
        attempts = o.attempt,
        last_attempt_at = now(),
        last_status_code = o.status_code,
        last_duration_ms = o.duration_ms,
        last_error = o.error,
        state = case when o.error is null then 'delivered'
          when now() - d.created_at >= o.window_ms * interval '1 millisecond' then 'failed' else 'pending' end,
        delivered_at = case when o.error is null then clock_timestamp() else d.delivered_at end,
        next_attempt_at = case when o.error is null or now() - d.created_at >= o.window_ms * interval '1 millisecond' or not s.enabled then null
          else clock_timestamp() + o.retry_ms * interval '1 millisecond' end
      from outcome as o, webhook_subscriptions as s
      where d.id = o.id and s.id = d.subscription_id
      returning d.id, d.subscription_id, d.run_id, d.event_seq, d.last_error, d.state, s.enabled
    ), released as (
      update webhook_deliveries as n set next_attempt_at = clock_timestamp()
      where n.next_attempt_at is null and n.id in (
        select (
          select m.id from webhook_deliveries as m
          where m.subscription_id = e.subscription_id and m.run_id = e.run_id and m.state = 'pending' and m.event_seq > e.event_seq
          order by m.event_seq
          limit 1
        )
        from ended as e
        where e.state <> 'pending' and e.enabled
      )
    )
    select id, subscription_id, last_error, state from ended`.execute(db);
  return result.rows.filter((row) => row.state === 'failed').map(({ id, subscription_id, last_error }) => ({ id, subscription_id, last_error }));
}

/** Disables the subscriptions `ids` (those still enabled), recording `reason` and the time. */
export async function disableWebhookSubscriptions(db: Db, ids: readonly string[], reason: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('webhook_subscriptions')
    .set({ enabled: false, disabled_reason: reason, disabled_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', 'in', [...ids])
    .where('enabled', '=', true)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** The subscriptions `ids`, whatever their project (for the deliverer). */
export async function findWebhookSubscriptionsByIds(db: Db, ids: readonly string[]): Promise<WebhookSubscriptionRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/** The runs `ids` that still exist, with the columns of their envelope (for the deliverer: the envelope each event carries). */
export async function findRunEnvelopesByIds(db: Db, ids: readonly string[]): Promise<RunListRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('runs')
    .select(RUN_LIST_COLUMNS)
    .where('id', 'in', [...ids])
    .execute();
}

/** Pending deliveries of enabled subscriptions: the outbox backlog. */
export async function countWebhookBacklog(db: Db): Promise<number> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('d.state', '=', 'pending')
    .where('s.enabled', '=', true)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
