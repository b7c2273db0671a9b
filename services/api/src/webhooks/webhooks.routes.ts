import Router from '@koa/router';
import type { WebhookBody, WebhookPatchBody } from '@runq/contract';
import { templateIssues, type WebhookControl } from '@runq/engine';
import { WebhookNotFoundError, UUID_PATTERN } from '@runq/runs';
import type { Context } from 'koa';
import { callerOf } from '../http/authenticate.js';
import { clientOf } from '../http/client-address.js';
import { readRouteBody } from '../http/json-body.js';
import { HttpProblem } from '../http/problem.js';
import { encodePageCursor, parsePage } from '../schedules/schedule-query.js';
import { toDeliveryBody, toWebhookBody } from './webhook-bodies.js';

/** The answer of every webhook route when `RUNQ_SECRETS_KEY` is unset: secrets could not be sealed or opened. */
export function webhooksUnavailable(): HttpProblem {
  return new HttpProblem('dependency_unavailable', 'Webhooks are unavailable: set RUNQ_SECRETS_KEY so that their signing secrets can be stored sealed.');
}

/** The origin the caller reached the API at (scheme as the trusted proxies tell), which makes an endpoint's `url` absolute. */
function originOf(ctx: Context): string {
  return `${clientOf(ctx).scheme}://${ctx.host}`;
}

/** Checks the `run` template of a webhook body against the seed contract: every issue, under `/run`. */
function checkTemplate(run: Record<string, unknown> | undefined): void {
  if (run === undefined) return;
  const errors = templateIssues(run);
  if (errors.length > 0) throw new HttpProblem('validation_error', 'The request body is invalid.', { errors });
}

/** Routes of the inbound webhook endpoints (`/webhooks`); without `webhooks` (no secrets key), each answers 503. */
export function webhooksRouter(deps: { webhooks: WebhookControl | undefined; bodyLimitBytes: number }): Router {
  const router = new Router();

  router.param('webhook_id', (id, _ctx, next) => {
    if (!UUID_PATTERN.test(id)) throw new WebhookNotFoundError(id);
    return next();
  });

  const control = (): WebhookControl => {
    if (!deps.webhooks) throw webhooksUnavailable();
    return deps.webhooks;
  };
  const idOf = (ctx: Context) => (ctx['params'] as { webhook_id?: string }).webhook_id?.toLowerCase() ?? '';

  router.post('/webhooks', async (ctx) => {
    const body: WebhookBody = await readRouteBody(ctx, 'WebhookRequest', deps.bodyLimitBytes);
    checkTemplate(body.run);
    const created = await control().create(callerOf(ctx), body);
    ctx.status = 201;
    ctx.body = { ...toWebhookBody(created, originOf(ctx)), secret: created.secret };
  });

  router.get('/webhooks', async (ctx) => {
    const page = parsePage(ctx.query, []);
    const rows = await control().list(callerOf(ctx), {
      ...(page.after ? { before: { createdAt: page.after.at, id: page.after.id } } : {}),
      limit: page.limit + 1,
    });
    const data = rows.slice(0, page.limit);
    const last = data.at(-1);
    ctx.body = {
      data: data.map((row) => toWebhookBody(row, originOf(ctx))),
      next_cursor: rows.length > page.limit && last ? encodePageCursor(last.endpoint.created_at, last.endpoint.id) : null,
    };
  });

  router.get('/webhooks/:webhook_id', async (ctx) => {
    ctx.body = toWebhookBody(await control().get(callerOf(ctx), idOf(ctx)), originOf(ctx));
  });

  router.patch('/webhooks/:webhook_id', async (ctx) => {
    const patch: WebhookPatchBody = await readRouteBody(ctx, 'WebhookPatchRequest', deps.bodyLimitBytes);
    checkTemplate(patch.run);
    ctx.body = toWebhookBody(await control().update(callerOf(ctx), idOf(ctx), patch), originOf(ctx));
  });

  router.delete('/webhooks/:webhook_id', async (ctx) => {
    await control().delete(callerOf(ctx), idOf(ctx));
    ctx.status = 204;
  });

  router.post('/webhooks/:webhook_id/rotate-secret', async (ctx) => {
    const rotated = await control().rotateSecret(callerOf(ctx), idOf(ctx));
    ctx.body = { ...toWebhookBody(rotated, originOf(ctx)), secret: rotated.secret };
  });

  router.get('/webhooks/:webhook_id/deliveries', async (ctx) => {
    const page = parsePage(ctx.query, []);
    const rows = await control().deliveries(callerOf(ctx), idOf(ctx), {
      ...(page.after ? { before: { receivedAt: page.after.at, id: page.after.id } } : {}),
      limit: page.limit + 1,
    });
    const data = rows.slice(0, page.limit);
    const last = data.at(-1);
    ctx.body = { data: data.map(toDeliveryBody), next_cursor: rows.length > page.limit && last ? encodePageCursor(last.received_at, last.id) : null };
  });

  return router;
}
