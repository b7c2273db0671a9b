import { UUID_PATTERN } from '@runq/runs';
import Router from '@koa/router';
import type { Context } from 'koa';
import { findInboundDelivery, findWebhookEndpoint, listInboundDeliveries, listLatestDeliveries, listWebhookEndpoints, type Db } from '@runq/db';
import { HttpProblem } from '../../http/problem.js';
import { decodePageCursor, encodePageCursor } from '../../schedules/schedule-query.js';
import type { SafeHtml } from './html.js';
import { WEBHOOKS_EXPLORER_PATH, webhookPage, webhooksPage, webhookTrigger } from './webhook-pages.js';

const PAGE_SIZE = 50;

/** A keyset cursor of these pages (a time and a UUID), or undefined when there is none or it is not one. */
function cursorOf(ctx: Context): { at: Date; id: string } | undefined {
  const cursor = ctx.query['cursor'];
  return typeof cursor === 'string' && cursor !== '' ? decodePageCursor(cursor) : undefined;
}

/**
 * The operator's webhooks explorer, server-rendered: every project's inbound endpoints with
 * their latest delivery, and a page per endpoint with its recent deliveries linked to their runs.
 * Mounted behind the admin basic auth like the run explorer.
 */
export function webhooksExplorerRouter(deps: { db: Db }): Router {
  const router = new Router({ prefix: WEBHOOKS_EXPLORER_PATH });

  router.get('/', async (ctx) => {
    const after = cursorOf(ctx);
    const rows = await listWebhookEndpoints(deps.db, {
      projectIds: 'all',
      ...(after ? { before: { createdAt: after.at, id: after.id } } : {}),
      limit: PAGE_SIZE + 1,
    });
    const endpoints = rows.slice(0, PAGE_SIZE);
    const latest = new Map(
      (
        await listLatestDeliveries(
          deps.db,
          endpoints.map((row) => row.id),
        )
      ).map((row) => [row.endpoint_id, row]),
    );
    const last = endpoints.at(-1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = webhooksPage(endpoints, latest, rows.length > PAGE_SIZE && last ? encodePageCursor(last.created_at, last.id) : null).value;
  });

  router.get('/:webhook_id', async (ctx) => {
    const id = String(ctx.params['webhook_id'] ?? '');
    const endpoint = UUID_PATTERN.test(id) ? await findWebhookEndpoint(deps.db, id.toLowerCase(), 'all') : undefined;
    if (!endpoint) throw new HttpProblem('webhook_not_found', `Webhook endpoint ${id} was not found.`);
    const after = cursorOf(ctx);
    const rows = await listInboundDeliveries(deps.db, endpoint.id, {
      ...(after ? { before: { receivedAt: after.at, id: after.id } } : {}),
      limit: PAGE_SIZE + 1,
    });
    const deliveries = rows.slice(0, PAGE_SIZE);
    const last = deliveries.at(-1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = webhookPage(endpoint, deliveries, rows.length > PAGE_SIZE && last ? encodePageCursor(last.received_at, last.id) : null).value;
  });

  return router;
}

/** The trigger of a run created by a webhook delivery (`trigger_id` is the delivery's id), rendered for its run page. */
export async function webhookTriggerOf(db: Db, deliveryId: string | null): Promise<SafeHtml> {
  const delivery = deliveryId !== null && UUID_PATTERN.test(deliveryId) ? await findInboundDelivery(db, deliveryId) : undefined;
  const endpoint = delivery ? await findWebhookEndpoint(db, delivery.endpoint_id, 'all') : undefined;
  return webhookTrigger(deliveryId, delivery, endpoint);
}
