import type { WebhookDeliveryRow, WebhookSubscriptionRow } from '@runq/db';

/** The API's representation of a subscription (never its secret). */
export function toSubscriptionBody(subscription: WebhookSubscriptionRow) {
  return {
    id: subscription.id,
    project_id: subscription.project_id,
    url: subscription.url,
    events: subscription.events,
    filter: { kind: subscription.filter_kind, target: subscription.filter_target },
    enabled: subscription.enabled,
    disabled_reason: subscription.disabled_reason,
    disabled_at: subscription.disabled_at?.toISOString() ?? null,
    created_at: subscription.created_at.toISOString(),
    updated_at: subscription.updated_at.toISOString(),
  };
}

/** The API's representation of a delivery: its id is the `webhook-id` the receiver sees. */
export function toDeliveryBody(delivery: WebhookDeliveryRow) {
  return {
    id: delivery.id,
    type: delivery.type,
    run_id: delivery.run_id,
    state: delivery.state,
    attempts: delivery.attempts,
    last_status_code: delivery.last_status_code,
    last_error: delivery.last_error,
    duration_ms: delivery.last_duration_ms,
    next_attempt_at: delivery.state === 'pending' ? (delivery.next_attempt_at?.toISOString() ?? null) : null,
    delivered_at: delivery.delivered_at?.toISOString() ?? null,
    created_at: delivery.created_at.toISOString(),
  };
}
