import type { WebhookInboundDeliveryRow } from '@runq/db';
import type { WebhookEndpoint } from '@runq/engine';

/** The path deliveries to endpoint `id` are POSTed to. */
export function hookPath(id: string): string {
  return `/hooks/${id}`;
}

/** The API's representation of an endpoint (never a secret's value); `origin` makes its `url` absolute. */
export function toWebhookBody({ endpoint, secrets }: WebhookEndpoint, origin: string) {
  return {
    id: endpoint.id,
    project_id: endpoint.project_id,
    key: endpoint.key,
    name: endpoint.name,
    url: `${origin}${hookPath(endpoint.id)}`,
    run: endpoint.run as Record<string, unknown>,
    paused: endpoint.paused,
    secrets: secrets.map((secret) => ({ created_at: secret.created_at.toISOString(), expires_at: secret.expires_at?.toISOString() ?? null })),
    created_at: endpoint.created_at.toISOString(),
    updated_at: endpoint.updated_at.toISOString(),
  };
}

/** The API's representation of a delivery. */
export function toDeliveryBody(delivery: WebhookInboundDeliveryRow) {
  const detail = delivery.detail as { errors?: { path: string; message: string }[] } | null;
  return {
    id: delivery.id,
    received_at: delivery.received_at.toISOString(),
    webhook_id: delivery.webhook_id,
    outcome: delivery.outcome,
    reason: delivery.reason,
    errors: detail?.errors ?? null,
    status_code: delivery.status_code,
    run_id: delivery.run_id,
    count: delivery.count,
  };
}
