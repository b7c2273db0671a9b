import type { RequestOptions, Transport } from './http.js';
import type { Webhook, WebhookBody, WebhookInboundDelivery, WebhookInboundDeliveryPage, WebhookPage, WebhookPatch, WebhookWithSecret } from './types.js';

function webhookPath(webhookId: string, action?: string): string {
  return `webhooks/${encodeURIComponent(webhookId)}${action ? `/${action}` : ''}`;
}

function signalOf(opts: RequestOptions): RequestOptions {
  return opts.signal ? { signal: opts.signal } : {};
}

function queryOf(values: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) query.set(name, String(value));
  return query.size > 0 ? `?${query.toString()}` : '';
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
    async *list(opts: RequestOptions = {}): AsyncGenerator<Webhook> {
      let cursor: string | undefined;
      do {
        const page = await webhooks.listPage(cursor ? { cursor } : {}, opts);
        yield* page.data;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },
    /** One page of an endpoint's deliveries, latest first. */
    deliveriesPage(webhookId: string, page: { limit?: number; cursor?: string } = {}, opts: RequestOptions = {}): Promise<WebhookInboundDeliveryPage> {
      return transport.json<WebhookInboundDeliveryPage>('GET', `${webhookPath(webhookId, 'deliveries')}${queryOf(page)}`, signalOf(opts));
    },
    /** Every delivery of an endpoint, latest first. */
    async *deliveries(webhookId: string, opts: RequestOptions = {}): AsyncGenerator<WebhookInboundDelivery> {
      let cursor: string | undefined;
      do {
        const page = await webhooks.deliveriesPage(webhookId, cursor ? { cursor } : {}, opts);
        yield* page.data;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    },
  };
  return webhooks;
}
