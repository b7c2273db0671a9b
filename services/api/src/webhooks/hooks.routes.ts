import Router from '@koa/router';
import type { RejectedDelivery, WebhookReceiver } from '@runq/engine';
import { toRunEnvelope, WebhookNotFoundError, UUID_PATTERN } from '@runq/runs';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { HttpProblem, type ProblemCode, type ProblemFieldError } from '../http/problem.js';
import { webhooksUnavailable } from './webhooks.routes.js';

/** The problem of each rejection reason answered with its own code; any other is a run that could not be created (422). */
const REJECTION_PROBLEMS: Readonly<Record<string, { code: ProblemCode; header?: string }>> = {
  missing_headers: { code: 'signature_invalid', header: 'webhook-signature' },
  malformed_timestamp: { code: 'signature_invalid', header: 'webhook-timestamp' },
  stale_timestamp: { code: 'signature_invalid', header: 'webhook-timestamp' },
  future_timestamp: { code: 'signature_invalid', header: 'webhook-timestamp' },
  bad_signature: { code: 'signature_invalid', header: 'webhook-signature' },
  payload_too_large: { code: 'payload_too_large' },
  paused: { code: 'webhook_paused' },
  unsupported_media_type: { code: 'unsupported_media_type' },
  invalid_json: { code: 'invalid_json' },
};

/** The problem a rejected delivery is answered with; its `errors` name the header or field at fault. */
function rejectionProblem(result: RejectedDelivery): HttpProblem {
  const known = REJECTION_PROBLEMS[result.reason];
  const errors: ProblemFieldError[] | undefined = known?.header ? [{ path: `/headers/${known.header}`, message: result.reason }] : result.errors;
  return new HttpProblem(known?.code ?? 'unprocessable_run', result.detail, errors ? { errors } : {});
}

/** The rate limits a delivery passes (see `RateLimits`). */
export interface HookLimits {
  takeWebhookDelivery(ctx: Context, endpointId: string): Promise<void>;
  signatureFailuresBlocked(ctx: Context, endpointId: string): boolean;
  countSignatureFailure(ctx: Context, endpointId: string): Promise<HttpProblem | undefined>;
}

/**
 * `POST /hooks/{id}`: deliveries from other systems, verified by their Standard Webhooks
 * signature instead of runq credentials (mounted before authentication). The body is read raw,
 * bounded by `bodyLimitBytes`, and handed over unparsed: the receiver verifies it before
 * anything parses it. Each endpoint has a delivery rate limit; bad signatures are throttled like
 * failed logins (429 past the limit, per client address and per endpoint, and no longer
 * recorded), while validly signed deliveries are still served.
 */
export function hooksRouter(deps: { receiver: WebhookReceiver | undefined; limits: HookLimits; bodyLimitBytes: number }): Router {
  const router = new Router();

  router.param('webhook_id', (id, _ctx, next) => {
    if (!UUID_PATTERN.test(id)) throw new WebhookNotFoundError(id);
    return next();
  });

  router.post('/hooks/:webhook_id', async (ctx: Context) => {
    const receiver = deps.receiver;
    if (!receiver) throw webhooksUnavailable();
    const endpoint = await receiver.endpoint((ctx['params'] as { webhook_id: string }).webhook_id.toLowerCase());
    await deps.limits.takeWebhookDelivery(ctx, endpoint.id);
    let body: Buffer;
    try {
      const length = ctx.request.length;
      body = await getRawBody(ctx.req, { limit: deps.bodyLimitBytes, ...(length !== undefined ? { length } : {}) });
    } catch (error) {
      if ((error as { type?: unknown }).type !== 'entity.too.large') throw new HttpProblem('invalid_json', 'The request body could not be read.');
      const refused = await receiver.refuse(
        endpoint,
        'payload_too_large',
        ctx.get('webhook-id') || undefined,
        `The request body exceeds the limit of ${deps.bodyLimitBytes} bytes.`,
      );
      throw rejectionProblem(refused);
    }
    const blocked = deps.limits.signatureFailuresBlocked(ctx, endpoint.id);
    const result = await receiver.receive(endpoint, { headers: ctx.headers, body, mediaType: ctx.request.type }, { recordRefusal: !blocked });
    if (result.outcome === 'rejected' && result.status === 401) throw (await deps.limits.countSignatureFailure(ctx, endpoint.id)) ?? rejectionProblem(result);
    if (result.outcome === 'rejected') throw rejectionProblem(result);
    ctx.status = result.status;
    ctx.body = { run: result.run ? toRunEnvelope(result.run) : null, delivery_id: result.deliveryId };
  });

  return router;
}
