import { UUID_PATTERN } from '@runq/runs';
import Router from '@koa/router';
import type { Context } from 'koa';
import { findWebhookSubscription, listWebhookDeliveries, listWebhookSubscriptions, type Db } from '@runq/db';
import { HttpProblem } from '../../http/problem.js';
import { decodePageCursor, encodePageCursor } from '../../schedules/schedule-query.js';
import { subscriptionPage, subscriptionsPage } from './webhook-subscription-pages.js';

/** Where the webhook subscriptions explorer is served. */
export const SUBSCRIPTIONS_EXPLORER_PATH = '/admin/webhook-subscriptions';

const PAGE_SIZE = 50;

/** A keyset cursor of these pages (a time and a UUID), or undefined when it is not one. */
function cursorOf(ctx: Context): { at: Date; id: string } | undefined {
  const value = ctx.query['cursor'];
  const cursor = Array.isArray(value) ? value[0] : value;
  return cursor ? decodePageCursor(cursor) : undefined;
}

/**
 * The operator's webhook subscriptions explorer, server-rendered: every project's subscriptions
 * with whether each is enabled and why not, and a page per subscription with its recent
 * deliveries (state, attempts, last status code, duration, next attempt) linked to their runs.
 * Mounted behind the admin basic auth like the run explorer.
 */
export function subscriptionsExplorerRouter(deps: { db: Db }): Router {
  const router = new Router({ prefix: SUBSCRIPTIONS_EXPLORER_PATH });

  router.get('/', async (ctx) => {
    const after = cursorOf(ctx);
    const rows = await listWebhookSubscriptions(deps.db, {
      projectIds: 'all',
      ...(after ? { before: { createdAt: after.at, id: after.id } } : {}),
      limit: PAGE_SIZE + 1,
    });
    const page = rows.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = subscriptionsPage(page, rows.length > PAGE_SIZE && last ? encodePageCursor(last.created_at, last.id) : null).value;
  });

  router.get('/:subscription_id', async (ctx) => {
    const id = String(ctx.params['subscription_id'] ?? '');
    const subscription = UUID_PATTERN.test(id) ? await findWebhookSubscription(deps.db, id.toLowerCase(), 'all') : undefined;
    if (!subscription) throw new HttpProblem('not_found', `Webhook subscription ${id} was not found.`);
    const after = cursorOf(ctx);
    const rows = await listWebhookDeliveries(deps.db, subscription.id, {
      ...(after ? { before: { createdAt: after.at, id: after.id } } : {}),
      limit: PAGE_SIZE + 1,
    });
    const page = rows.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = subscriptionPage(subscription, page, rows.length > PAGE_SIZE && last ? encodePageCursor(last.created_at, last.id) : null).value;
  });

  return router;
}
