import type { RequestOptions, Transport } from './http.js';
import { eachItem, queryOf, resourcePath, signalOf } from './request-parts.js';
import type { Webhook, WebhookBody, WebhookInboundDelivery, WebhookInboundDeliveryPage, WebhookPage, WebhookPatch, WebhookWithSecret } from './types.js';

function webhookPath(webhookId: string, action?: string): string {
  return resourcePath('webhooks', webhookId, action);
}

/**
 * `runq.webhooks.*`: inbound webhook endpoints. Another system POSTs signed deliveries
 * (Standard Webhooks) to an endpoint's `url`; each one creates a run from the endpoint's template
 * with the delivery's JSON body as its input.
 *
 * @example
 * const hook = await runq.webhooks.create({
 *   name: 'github pushes',
 *   run: { kind: 'workflow', owner: { kind: 'project', id: projectId }, request: { workflow_id: 'on-push', target: 'deploy' } },
 * });
 * configureSender(hook.url, hook.secret); // the secret is shown only now
 * for await (const delivery of runq.webhooks.deliveries(hook.id)) console.log(delivery.outcome, delivery.run_id);
 */
export function webhookMethods(transport: Transport) {
  const webhooks = {
    /** Creates an endpoint (`POST /webhooks`); the answer carries its secret, shown only this once. */
    create(body: WebhookBody, opts: RequestOptions = {}): Promise<WebhookWithSecret> {
      return transport.json<WebhookWithSecret>('POST', 'webhooks', { body, ...signalOf(opts) });
    },
    /** Reads an endpoint (never its secret). */
    get(webhookId: string, opts: RequestOptions = {}): Promise<Webhook> {
      return transport.json<Webhook>('GET', webhookPath(webhookId), signalOf(opts));
    },
    /** Changes an endpoint's name, run template or paused state. */
    update(webhookId: string, patch: WebhookPatch, opts: RequestOptions = {}): Promise<Webhook> {
      return transport.json<Webhook>('PATCH', webhookPath(webhookId), { body: patch, ...signalOf(opts) });
    },
    /** Refuses deliveries (409, recorded) until resumed. */
    pause(webhookId: string, opts: RequestOptions = {}): Promise<Webhook> {
      return webhooks.update(webhookId, { paused: true }, opts);
    },
    /** Accepts deliveries again. */
    resume(webhookId: string, opts: RequestOptions = {}): Promise<Webhook> {
      return webhooks.update(webhookId, { paused: false }, opts);
    },
    /** Adds a new secret (shown only in this answer); the previous ones keep verifying for 24 hours. */
    rotateSecret(webhookId: string, opts: RequestOptions = {}): Promise<WebhookWithSecret> {
      return transport.json<WebhookWithSecret>('POST', webhookPath(webhookId, 'rotate-secret'), signalOf(opts));
    },
    /** Deletes an endpoint with its secrets and deliveries; the runs it created stay. */
    async delete(webhookId: string, opts: RequestOptions = {}): Promise<void> {
      const response = await transport.send('DELETE', webhookPath(webhookId), signalOf(opts));
      await response.body?.cancel();
    },
    /** One page of endpoints, newest first. */
    listPage(page: { limit?: number; cursor?: string } = {}, opts: RequestOptions = {}): Promise<WebhookPage> {
      return transport.json<WebhookPage>('GET', `webhooks${queryOf(page)}`, signalOf(opts));
    },
    /** Every endpoint, newest first. */
    list(opts: RequestOptions = {}): AsyncGenerator<Webhook> {
      return eachItem((cursor) => webhooks.listPage(cursor ? { cursor } : {}, opts));
    },
    /** One page of an endpoint's deliveries, latest first. */
    deliveriesPage(webhookId: string, page: { limit?: number; cursor?: string } = {}, opts: RequestOptions = {}): Promise<WebhookInboundDeliveryPage> {
      return transport.json<WebhookInboundDeliveryPage>('GET', `${webhookPath(webhookId, 'deliveries')}${queryOf(page)}`, signalOf(opts));
    },
    /** Every delivery of an endpoint, latest first. */
    deliveries(webhookId: string, opts: RequestOptions = {}): AsyncGenerator<WebhookInboundDelivery> {
      return eachItem((cursor) => webhooks.deliveriesPage(webhookId, cursor ? { cursor } : {}, opts));
    },
  };
  return webhooks;
}
