import { sql } from 'kysely';
import type { Db } from './database.js';
import { inProjects } from './scope.js';
import type { NewWebhookSubscriptionRow, WebhookDeliveryRow, WebhookSubscriptionRow, WebhookSubscriptionRowUpdate } from './webhook-subscription.table.js';

/** Inserts a subscription. */
export async function insertWebhookSubscription(db: Db, row: NewWebhookSubscriptionRow): Promise<WebhookSubscriptionRow> {
  return db.insertInto('webhook_subscriptions').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The subscription `id` if it belongs to one of `projectIds` (`'all'`: any project). */
export async function findWebhookSubscription(db: Db, id: string, projectIds: readonly string[] | 'all'): Promise<WebhookSubscriptionRow | undefined> {
  if (projectIds !== 'all' && projectIds.length === 0) return undefined;
  let query = db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id);
  if (projectIds !== 'all') query = query.where('project_id', '=', inProjects(projectIds));
  return query.executeTakeFirst();
}

/** A page of subscriptions, newest first; `before` continues after the last row of the previous page. */
export async function listWebhookSubscriptions(
  db: Db,
  filter: { projectIds: readonly string[] | 'all'; before?: { createdAt: Date; id: string }; limit: number },
): Promise<WebhookSubscriptionRow[]> {
  let query = db.selectFrom('webhook_subscriptions').selectAll();
  if (filter.projectIds !== 'all') query = query.where('project_id', '=', inProjects(filter.projectIds));
  if (filter.before) {
    const { createdAt, id } = filter.before;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Changes subscription `id` of `projectIds`; undefined when it is not theirs. */
export async function updateWebhookSubscription(
  db: Db,
  id: string,
  projectIds: readonly string[],
  changes: WebhookSubscriptionRowUpdate,
): Promise<WebhookSubscriptionRow | undefined> {
  if (projectIds.length === 0) return undefined;
  return db
    .updateTable('webhook_subscriptions')
    .set({ ...changes, updated_at: new Date() })
    .where('id', '=', id)
    .where('project_id', '=', inProjects(projectIds))
    .returningAll()
    .executeTakeFirst();
}

/** Deletes subscription `id` of `projectIds` with its deliveries; false when it is not theirs. */
export async function deleteWebhookSubscription(db: Db, id: string, projectIds: readonly string[]): Promise<boolean> {
  if (projectIds.length === 0) return false;
  const result = await db.deleteFrom('webhook_subscriptions').where('id', '=', id).where('project_id', '=', inProjects(projectIds)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A page of a subscription's deliveries, newest first. */
export async function listWebhookDeliveries(
  db: Db,
  subscriptionId: string,
  page: { before?: { createdAt: Date; id: string }; limit: number },
): Promise<WebhookDeliveryRow[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', subscriptionId);
  if (page.before) {
    const { createdAt, id } = page.before;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/**
 * Makes delivery `deliveryId` of subscription `subscriptionId` due now again, whatever became of
 * it (same id, so the receiver sees the same `webhook-id`); undefined when there is no such delivery.
 */
export async function redeliverWebhookDelivery(db: Db, subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
  return db
    .updateTable('webhook_deliveries')
    .set({ state: 'pending', next_attempt_at: sql<Date>`now()`, delivered_at: null })
    .where('id', '=', deliveryId)
    .where('subscription_id', '=', subscriptionId)
    .returningAll()
    .executeTakeFirst();
}
