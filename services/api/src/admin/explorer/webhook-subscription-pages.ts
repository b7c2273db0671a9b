import type { WebhookDeliveryRow, WebhookSubscriptionRow } from '@runq/db';
import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

function stateBadge(subscription: WebhookSubscriptionRow): SafeHtml {
  return subscription.enabled
    ? html`<span class="status completed" data-enabled="true">enabled</span>`
    : html`<span class="status failed" data-enabled="false">disabled</span>`;
}

function deliveryBadge(state: string): SafeHtml {
  return html`<span class="status ${state === 'delivered' ? 'completed' : state === 'failed' ? 'failed' : 'pending'}" data-state="${state}">${state}</span>`;
}

function filterText(subscription: WebhookSubscriptionRow): string {
  return [subscription.filter_kind, subscription.filter_target].filter((value) => value !== null).join(' / ') || 'all runs';
}

/** The subscriptions list: destination, events, filter, and whether each is enabled (and why not). */
export function subscriptionsPage(subscriptions: WebhookSubscriptionRow[], nextCursor: string | null): SafeHtml {
  const rows = subscriptions.map(
    (subscription) => html`<tr data-subscription-id="${subscription.id}">
<td><a href="/admin/webhook-subscriptions/${subscription.id}">${subscription.url}</a></td><td>${subscription.events.join(', ')}</td><td>${filterText(subscription)}</td>
<td class="state">${stateBadge(subscription)} ${subscription.disabled_reason ? html`<span class="disabled-reason">${subscription.disabled_reason}</span>` : ''}</td>
<td class="muted">${subscription.project_id}</td></tr>`,
  );
  return page(
    'Webhook subscriptions',
    html`<h1>Webhook subscriptions</h1>
<table id="subscriptions"><thead><tr><th>Destination</th><th>Events</th><th>Runs</th><th>State</th><th>Project</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="5" class="muted">No subscriptions.</td></tr>`}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="/admin/webhook-subscriptions?cursor=${nextCursor}">Older subscriptions →</a></p>` : ''}`,
  );
}

/** One subscription: its fields, why it is disabled (if it is), and its recent deliveries linked to their runs. */
export function subscriptionPage(subscription: WebhookSubscriptionRow, deliveries: WebhookDeliveryRow[], nextCursor: string | null): SafeHtml {
  const rows = deliveries.map(
    (delivery) => html`<tr class="delivery" data-delivery-id="${delivery.id}" data-state="${delivery.state}">
<td>${delivery.created_at.toISOString()}</td><td>${delivery.type}</td><td><a href="/admin/runs/${delivery.run_id}">${delivery.run_id}</a></td>
<td>${deliveryBadge(delivery.state)}</td><td>${delivery.attempts}</td><td class="status-code">${delivery.last_status_code ?? '—'}</td>
<td>${delivery.last_duration_ms === null ? '—' : `${delivery.last_duration_ms} ms`}</td>
<td>${delivery.state === 'pending' ? (delivery.next_attempt_at?.toISOString() ?? '—') : '—'}</td><td>${delivery.delivered_at?.toISOString() ?? '—'}</td>
<td class="muted">${delivery.last_error ?? ''}</td><td class="muted">${delivery.id}</td></tr>`,
  );
  return page(
    subscription.url,
    html`<h1>${subscription.url} ${stateBadge(subscription)}</h1>
${subscription.enabled ? '' : html`<p class="notice" role="alert" id="disabled-reason">Disabled ${subscription.disabled_at?.toISOString() ?? ''}: ${subscription.disabled_reason ?? ''}</p>`}
<div class="card"><h2>Subscription</h2><table>
<tr><th>Id</th><td>${subscription.id}</td></tr><tr><th>Project</th><td>${subscription.project_id}</td></tr>
<tr><th>Events</th><td>${subscription.events.join(', ')}</td></tr><tr><th>Runs</th><td>${filterText(subscription)}</td></tr>
<tr><th>Created</th><td>${subscription.created_at.toISOString()}</td></tr>
</table></div>
<div class="card"><h2>Recent deliveries</h2><table id="deliveries"><thead><tr><th>Event at</th><th>Event</th><th>Run</th><th>State</th><th>Attempts</th><th>Last status</th><th>Duration</th><th>Next attempt</th><th>Delivered</th><th>Last error</th><th>webhook-id</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="11" class="muted">No deliveries yet.</td></tr>`}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="/admin/webhook-subscriptions/${subscription.id}?cursor=${nextCursor}">Older deliveries →</a></p>` : ''}</div>`,
  );
}
