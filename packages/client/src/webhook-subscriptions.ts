import type { RequestOptions, Transport } from './http.js';
import { eachItem, queryOf, resourcePath, signalOf } from './request-parts.js';
import type {
  CreatedWebhookSubscription,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookSubscription,
  WebhookSubscriptionBody,
  WebhookSubscriptionPage,
  WebhookSubscriptionPatch,
} from './types.js';

function subscriptionPath(subscriptionId: string, action?: string): string {
  return resourcePath('webhook-subscriptions', subscriptionId, action);
}

/**
 * `runq.webhookSubscriptions.*`: signed notifications of run events (`run.completed`,
 * `run.failed`, `run.cancelled`, `run.waiting`) POSTed to a URL, with their delivery log.
 *
 * @example
 * const { id, secret } = await runq.webhookSubscriptions.create({ url: 'https://example.com/hooks', events: ['run.completed'] });
 * for await (const delivery of runq.webhookSubscriptions.deliveries(id)) console.log(delivery.state, delivery.last_status_code);
 */
export function webhookSubscriptionMethods(transport: Transport) {
  const subscriptions = {
    /** Subscribes a URL (`POST /webhook-subscriptions`); the answer's `secret` is shown this once. */
    create(body: WebhookSubscriptionBody, opts: RequestOptions = {}): Promise<CreatedWebhookSubscription> {
      return transport.json<CreatedWebhookSubscription>('POST', 'webhook-subscriptions', { body, ...signalOf(opts) });
    },
    /** Reads a subscription (whether it is enabled, and why not). */
    get(subscriptionId: string, opts: RequestOptions = {}): Promise<WebhookSubscription> {
      return transport.json<WebhookSubscription>('GET', subscriptionPath(subscriptionId), signalOf(opts));
    },
    /** Changes a subscription; `{ enabled: true }` re-enables one disabled after failed deliveries. */
    update(subscriptionId: string, patch: WebhookSubscriptionPatch, opts: RequestOptions = {}): Promise<WebhookSubscription> {
      return transport.json<WebhookSubscription>('PATCH', subscriptionPath(subscriptionId), { body: patch, ...signalOf(opts) });
    },
    /** Deletes a subscription and its delivery log. */
    async delete(subscriptionId: string, opts: RequestOptions = {}): Promise<void> {
      const response = await transport.send('DELETE', subscriptionPath(subscriptionId), signalOf(opts));
      await response.body?.cancel();
    },
    /** One page of subscriptions, newest first. */
    listPage(page: { limit?: number; cursor?: string } = {}, opts: RequestOptions = {}): Promise<WebhookSubscriptionPage> {
      return transport.json<WebhookSubscriptionPage>('GET', `webhook-subscriptions${queryOf(page)}`, signalOf(opts));
    },
    /** Every subscription of the caller's projects, newest first. */
    list(opts: RequestOptions = {}): AsyncGenerator<WebhookSubscription> {
      return eachItem((cursor) => subscriptions.listPage(cursor ? { cursor } : {}, opts));
    },
    /** One page of a subscription's deliveries, newest first. */
    deliveriesPage(subscriptionId: string, page: { limit?: number; cursor?: string } = {}, opts: RequestOptions = {}): Promise<WebhookDeliveryPage> {
      return transport.json<WebhookDeliveryPage>('GET', `${subscriptionPath(subscriptionId, 'deliveries')}${queryOf(page)}`, signalOf(opts));
    },
    /** Every delivery of a subscription, newest first. */
    deliveries(subscriptionId: string, opts: RequestOptions = {}): AsyncGenerator<WebhookDelivery> {
      return eachItem((cursor) => subscriptions.deliveriesPage(subscriptionId, cursor ? { cursor } : {}, opts));
    },
    /** Delivers an event again with the same `webhook-id`, whatever became of it. */
    redeliver(subscriptionId: string, deliveryId: string, opts: RequestOptions = {}): Promise<WebhookDelivery> {
      return transport.json<WebhookDelivery>(
        'POST',
        subscriptionPath(subscriptionId, `deliveries/${encodeURIComponent(deliveryId)}/redeliver`),
        signalOf(opts),
      );
    },
  };
  return subscriptions;
}
