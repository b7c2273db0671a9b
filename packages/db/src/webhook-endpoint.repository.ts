import { sql } from 'kysely';
import type { Db } from './database.js';
import { inProjects } from './scope.js';
import type { NewWebhookEndpointRow, WebhookEndpointRow, WebhookEndpointRowUpdate, WebhookEndpointSecretRow } from './webhook-endpoint.table.js';

/** Inserts an endpoint; undefined when its key is taken in its project (nothing is written). */
export async function insertWebhookEndpoint(db: Db, row: NewWebhookEndpointRow): Promise<WebhookEndpointRow | undefined> {
  return db
    .insertInto('webhook_endpoints')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'key']).where('key', 'is not', null).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The endpoint `id` if it belongs to one of `projectIds` (`'all'`: any project); `forUpdate` locks its row until the transaction ends. */
export async function findWebhookEndpoint(
  db: Db,
  id: string,
  projectIds: readonly string[] | 'all',
  options: { forUpdate?: boolean } = {},
): Promise<WebhookEndpointRow | undefined> {
  if (projectIds !== 'all' && projectIds.length === 0) return undefined;
  let query = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id);
  if (projectIds !== 'all') query = query.where('project_id', '=', inProjects(projectIds));
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Whether another endpoint of `projectId` than `exceptId` has `key`. */
export async function webhookKeyTaken(db: Db, projectId: string, key: string, exceptId: string): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('project_id', '=', projectId)
    .where('key', '=', key)
    .where('id', '<>', exceptId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Filters of {@link listWebhookEndpoints}; `projectIds` `'all'` only for the operator's explorer. */
export interface WebhookEndpointListFilter {
  projectIds: readonly string[] | 'all';
  /** Keyset position: endpoints created before this one (newest first). */
  before?: { createdAt: Date; id: string };
  limit: number;
}

/** Endpoints newest first. */
export async function listWebhookEndpoints(db: Db, filter: WebhookEndpointListFilter): Promise<WebhookEndpointRow[]> {
  if (filter.projectIds !== 'all' && filter.projectIds.length === 0) return [];
  let query = db.selectFrom('webhook_endpoints').selectAll();
  if (filter.projectIds !== 'all') query = query.where('project_id', '=', inProjects(filter.projectIds));
  const before = filter.before;
  if (before) query = query.where(sql<boolean>`(created_at, id) < (${before.createdAt}, ${before.id}::uuid)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Updates endpoint `id` (already checked to be the caller's); the updated row. */
export async function updateWebhookEndpoint(db: Db, id: string, update: WebhookEndpointRowUpdate): Promise<WebhookEndpointRow> {
  return db
    .updateTable('webhook_endpoints')
    .set({ ...update, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes endpoint `id` of one of `projectIds` with its secrets and deliveries (its runs stay); false when there was none. */
export async function deleteWebhookEndpoint(db: Db, id: string, projectIds: readonly string[]): Promise<boolean> {
  if (projectIds.length === 0) return false;
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('project_id', '=', inProjects(projectIds)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Stores a sealed secret of an endpoint, valid until replaced. */
export async function insertWebhookSecret(db: Db, row: { id: string; endpoint_id: string; sealed: string }): Promise<void> {
  await db.insertInto('webhook_endpoint_secrets').values(row).execute();
}

/**
 * Gives every unexpiring secret of an endpoint an end `overlapSeconds` from now (a rotation:
 * deliveries signed with them keep verifying until then).
 */
export async function expireWebhookSecrets(db: Db, endpointId: string, overlapSeconds: number): Promise<void> {
  await db
    .updateTable('webhook_endpoint_secrets')
    .set({ expires_at: sql`now() + make_interval(secs => ${overlapSeconds})` })
    .where('endpoint_id', '=', endpointId)
    .where('expires_at', 'is', null)
    .execute();
}

/** The secrets of an endpoint that verify deliveries now, newest first. */
export async function listLiveWebhookSecrets(db: Db, endpointId: string): Promise<WebhookEndpointSecretRow[]> {
  return listLiveWebhookSecretsOf(db, [endpointId]);
}

/** The secrets of the endpoints in `endpointIds` that verify deliveries now, newest first (one query for a page of endpoints). */
export async function listLiveWebhookSecretsOf(db: Db, endpointIds: readonly string[]): Promise<WebhookEndpointSecretRow[]> {
  if (endpointIds.length === 0) return [];
  return db
    .selectFrom('webhook_endpoint_secrets')
    .selectAll()
    .where('endpoint_id', 'in', [...endpointIds])
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .orderBy('created_at', 'desc')
    .execute();
}
