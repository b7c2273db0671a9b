import { sql } from 'kysely';
import type { Db } from './database.js';
import type { NewWebhookInboundDeliveryRow, WebhookInboundDeliveryRow } from './webhook-endpoint.table.js';

/**
 * Records the accepted delivery of a signed `webhook-id`; undefined when that id was already
 * accepted by the endpoint (nothing is written). Inside the transaction that creates its run,
 * a concurrent delivery of the same id waits here for the first to commit or roll back.
 */
export async function insertAcceptedDelivery(
  db: Db,
  row: Omit<NewWebhookInboundDeliveryRow, 'outcome' | 'bucket' | 'count'>,
): Promise<WebhookInboundDeliveryRow | undefined> {
  return (
    db
      .insertInto('webhook_inbound_deliveries')
      .values({ ...row, outcome: 'accepted' })
      // The predicate is spelled out (not a parameter) so that Postgres infers the partial index.
      .onConflict((oc) =>
        oc
          .columns(['endpoint_id', 'webhook_id'])
          .where(sql<boolean>`outcome = 'accepted'`)
          .doNothing(),
      )
      .returningAll()
      .executeTakeFirst()
  );
}

/** Records a duplicate or a rejected delivery whose signature was verified (one row each). */
export async function insertDelivery(db: Db, row: NewWebhookInboundDeliveryRow): Promise<WebhookInboundDeliveryRow> {
  return db.insertInto('webhook_inbound_deliveries').values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * Counts a delivery refused before its signature was verified: one row per endpoint, reason and
 * minute, whose `count` grows, so that a flood of forged requests writes a bounded number of rows.
 */
export async function countUnverifiedRejection(
  db: Db,
  row: { id: string; endpoint_id: string; reason: string; status_code: number; webhook_id: string | null },
): Promise<void> {
  await db
    .insertInto('webhook_inbound_deliveries')
    .values({ ...row, outcome: 'rejected', bucket: sql<Date>`date_trunc('minute', now())` })
    .onConflict((oc) =>
      oc
        .columns(['endpoint_id', 'reason', 'bucket'])
        .where('bucket', 'is not', null)
        .doUpdateSet({ count: sql<number>`webhook_inbound_deliveries.count + 1`, received_at: sql<Date>`now()`, webhook_id: row.webhook_id }),
    )
    .execute();
}

/** The accepted delivery of `webhookId` at an endpoint, if any. */
export async function findAcceptedDelivery(db: Db, endpointId: string, webhookId: string): Promise<WebhookInboundDeliveryRow | undefined> {
  return db
    .selectFrom('webhook_inbound_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .where('webhook_id', '=', webhookId)
    .where('outcome', '=', 'accepted')
    .executeTakeFirst();
}

/** The delivery `id` (the `trigger_id` of the run it created), if it still exists. */
export async function findInboundDelivery(db: Db, id: string): Promise<WebhookInboundDeliveryRow | undefined> {
  return db.selectFrom('webhook_inbound_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An endpoint's deliveries, latest first; `before` continues after a delivery of a previous page. */
export async function listInboundDeliveries(
  db: Db,
  endpointId: string,
  options: { before?: { receivedAt: Date; id: string }; limit: number },
): Promise<WebhookInboundDeliveryRow[]> {
  let query = db.selectFrom('webhook_inbound_deliveries').selectAll().where('endpoint_id', '=', endpointId);
  const before = options.before;
  if (before) query = query.where(sql<boolean>`(received_at, id) < (${before.receivedAt}, ${before.id}::uuid)`);
  return query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/** The latest delivery of each endpoint in `endpointIds` (the explorer's "last delivery"). */
export async function listLatestDeliveries(db: Db, endpointIds: readonly string[]): Promise<WebhookInboundDeliveryRow[]> {
  if (endpointIds.length === 0) return [];
  return db
    .selectFrom('webhook_inbound_deliveries')
    .selectAll()
    .distinctOn('endpoint_id')
    .where('endpoint_id', 'in', [...endpointIds])
    .orderBy('endpoint_id')
    .orderBy('received_at', 'desc')
    .execute();
}
