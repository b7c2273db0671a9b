import { UUID_PATTERN } from '@runq/runs';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { WebhookFilterBody } from '@runq/contract';
import {
  deleteWebhookSubscription,
  findWebhookSubscription,
  insertWebhookSubscription,
  listWebhookDeliveries,
  listWebhookSubscriptions,
  redeliverWebhookDelivery,
  updateWebhookSubscription,
  type Db,
  type WebhookSubscriptionRow,
  type WebhookSubscriptionRowUpdate,
} from '@runq/db';
import { webhooksUnavailable } from '../webhooks/webhooks.routes.js';
import { DestinationRefusedError, generateSecret, type SecretBox, parseDestinationUrl, resolveDestination } from '@runq/webhooks';
import { callerOf } from '../http/authenticate.js';
import { readRouteBody } from '../http/json-body.js';
import { HttpProblem } from '../http/problem.js';
import { encodePageCursor, parsePage } from '../schedules/schedule-query.js';
import { toDeliveryBody, toSubscriptionBody } from './webhook-subscription-body.js';

/** What the subscription routes need. */
export interface WebhookSubscriptionsDeps {
  db: Db;
  bodyLimitBytes: number;
  /** Seals secrets under `RUNQ_SECRETS_KEY`; undefined (no key): every route answers 503. */
  box: SecretBox | undefined;
  /** `RUNQ_WEBHOOK_ALLOW_PRIVATE`: destinations may resolve to private addresses. */
  allowPrivate: boolean;
}

function notFound(what: string): HttpProblem {
  return new HttpProblem('not_found', `${what} was not found.`);
}

/** A `validation_error` naming `path`. */
function invalid(path: string, message: string): HttpProblem {
  return new HttpProblem('validation_error', 'The request body is invalid.', { errors: [{ path, message }] });
}

/** Checks a destination URL as a subscription is created or changed: syntax, then every address it resolves to. */
async function checkDestination(url: string, allowPrivate: boolean): Promise<void> {
  try {
    const parsed = parseDestinationUrl(url);
    await resolveDestination(parsed.hostname, allowPrivate);
  } catch (error) {
    if (error instanceof DestinationRefusedError) throw invalid('/url', error.message);
    throw error;
  }
}

/** The filter columns of a body's `filter` (absent or null: every run). */
function filterColumns(filter: WebhookFilterBody | undefined): Pick<WebhookSubscriptionRowUpdate, 'filter_kind' | 'filter_target'> {
  return { filter_kind: filter?.kind ?? null, filter_target: filter?.target ?? null };
}

/**
 * Routes of outbound webhook subscriptions (`/webhook-subscriptions`): a project's destinations
 * for run events, their delivery logs and redelivery. The secret is generated here, shown once in
 * the 201, and stored sealed under `RUNQ_SECRETS_KEY`.
 */
export function webhookSubscriptionsRouter(deps: WebhookSubscriptionsDeps): Router {
  const router = new Router();
  const box = deps.box;

  // Without the key no secret can be sealed or opened: every route says so, before reading anything.
  const available = async (_ctx: Context, next: () => Promise<unknown>) => {
    if (!box) throw webhooksUnavailable();
    await next();
  };
  router.param('subscription_id', (id, _ctx, next) => {
    if (!UUID_PATTERN.test(id)) throw notFound(`Webhook subscription ${id}`);
    return next();
  });
  router.param('delivery_id', (id, _ctx, next) => {
    if (!UUID_PATTERN.test(id)) throw notFound(`Delivery ${id}`);
    return next();
  });

  const idOf = (ctx: Context) => (ctx['params'] as { subscription_id?: string }).subscription_id?.toLowerCase() ?? '';
  const visible = async (ctx: Context): Promise<WebhookSubscriptionRow> => {
    const subscription = await findWebhookSubscription(deps.db, idOf(ctx), callerOf(ctx).projectIds);
    if (!subscription) throw notFound(`Webhook subscription ${idOf(ctx)}`);
    return subscription;
  };

  router.post('/webhook-subscriptions', available, async (ctx) => {
    const body = await readRouteBody(ctx, 'WebhookSubscriptionRequest', deps.bodyLimitBytes);
    const caller = callerOf(ctx);
    let projectId: string;
    if (body.project_id !== undefined) {
      projectId = body.project_id.toLowerCase();
      if (!caller.projectIds.includes(projectId)) throw new HttpProblem('not_found', `Project ${projectId} was not found.`);
    } else {
      const [only] = caller.projectIds;
      if (caller.projectIds.length !== 1 || only === undefined) throw invalid('/project_id', 'is required when the caller has several projects');
      projectId = only;
    }
    await checkDestination(body.url, deps.allowPrivate);
    const secret = generateSecret();
    const subscription = await insertWebhookSubscription(deps.db, {
      id: crypto.randomUUID(),
      project_id: projectId,
      url: body.url,
      events: body.events,
      ...filterColumns(body.filter),
      secret_sealed: (box as SecretBox).seal(secret),
      created_by: caller.name,
    });
    ctx.status = 201;
    ctx.body = { ...toSubscriptionBody(subscription), secret };
  });

  router.get('/webhook-subscriptions', available, async (ctx) => {
    const page = parsePage(ctx.query, []);
    const rows = await listWebhookSubscriptions(deps.db, {
      projectIds: callerOf(ctx).projectIds,
      ...(page.after ? { before: { createdAt: page.after.at, id: page.after.id } } : {}),
      limit: page.limit + 1,
    });
    const data = rows.slice(0, page.limit);
    const last = data.at(-1);
    ctx.body = { data: data.map(toSubscriptionBody), next_cursor: rows.length > page.limit && last ? encodePageCursor(last.created_at, last.id) : null };
  });

  router.get('/webhook-subscriptions/:subscription_id', available, async (ctx) => {
    ctx.body = toSubscriptionBody(await visible(ctx));
  });

  router.patch('/webhook-subscriptions/:subscription_id', available, async (ctx) => {
    const patch = await readRouteBody(ctx, 'WebhookSubscriptionPatchRequest', deps.bodyLimitBytes);
    await visible(ctx);
    if (patch.url !== undefined) await checkDestination(patch.url, deps.allowPrivate);
    const changes: WebhookSubscriptionRowUpdate = {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: patch.events } : {}),
      ...(patch.filter !== undefined ? filterColumns(patch.filter) : {}),
      ...(patch.enabled === true ? { enabled: true, disabled_reason: null, disabled_at: null } : {}),
      ...(patch.enabled === false ? { enabled: false, disabled_reason: 'disabled by a caller', disabled_at: new Date() } : {}),
    };
    const updated = await updateWebhookSubscription(deps.db, idOf(ctx), callerOf(ctx).projectIds, changes);
    if (!updated) throw notFound(`Webhook subscription ${idOf(ctx)}`);
    ctx.body = toSubscriptionBody(updated);
  });

  router.delete('/webhook-subscriptions/:subscription_id', available, async (ctx) => {
    if (!(await deleteWebhookSubscription(deps.db, idOf(ctx), callerOf(ctx).projectIds))) throw notFound(`Webhook subscription ${idOf(ctx)}`);
    ctx.status = 204;
  });

  router.get('/webhook-subscriptions/:subscription_id/deliveries', available, async (ctx) => {
    const page = parsePage(ctx.query, []);
    const subscription = await visible(ctx);
    const rows = await listWebhookDeliveries(deps.db, subscription.id, {
      ...(page.after ? { before: { createdAt: page.after.at, id: page.after.id } } : {}),
      limit: page.limit + 1,
    });
    const data = rows.slice(0, page.limit);
    const last = data.at(-1);
    ctx.body = { data: data.map(toDeliveryBody), next_cursor: rows.length > page.limit && last ? encodePageCursor(last.created_at, last.id) : null };
  });

  router.post('/webhook-subscriptions/:subscription_id/deliveries/:delivery_id/redeliver', available, async (ctx) => {
    const subscription = await visible(ctx);
    const deliveryId = (ctx.params.delivery_id ?? '').toLowerCase();
    const delivery = await redeliverWebhookDelivery(deps.db, subscription.id, deliveryId);
    if (!delivery) throw notFound(`Delivery ${deliveryId}`);
    ctx.status = 202;
    ctx.body = toDeliveryBody(delivery);
  });

  return router;
}
