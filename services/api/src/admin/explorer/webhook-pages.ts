import type { WebhookEndpointRow, WebhookInboundDeliveryRow } from '@runq/db';
import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

/** Where the webhooks explorer is served. */
export const WEBHOOKS_EXPLORER_PATH = '/admin/webhooks';

/** A delivery's outcome as a badge (accepted green, duplicate grey, rejected red), with its reason. */
function outcomeBadge(delivery: WebhookInboundDeliveryRow | undefined): SafeHtml | string {
  if (!delivery) return '—';
  const tone = delivery.outcome === 'accepted' ? 'completed' : delivery.outcome === 'rejected' ? 'failed' : 'cancelled';
  return html`<span class="status ${tone}" data-outcome="${delivery.outcome}">${delivery.outcome}${delivery.reason ? ` (${delivery.reason})` : ''}</span>`;
}

function target(endpoint: WebhookEndpointRow): string {
  const run = endpoint.run as { kind?: string; request?: { target?: string; workflow_id?: string } };
  return `${run.kind ?? ''} ${run.request?.workflow_id ?? run.request?.target ?? ''}`;
}

/** The endpoints list: what each creates, whether paused, and its latest delivery. */
export function webhooksPage(endpoints: WebhookEndpointRow[], latest: ReadonlyMap<string, WebhookInboundDeliveryRow>, nextCursor: string | null): SafeHtml {
  const rows = endpoints.map((endpoint) => {
    const last = latest.get(endpoint.id);
    return html`<tr data-webhook-id="${endpoint.id}">
<td><a href="${WEBHOOKS_EXPLORER_PATH}/${endpoint.id}">${endpoint.name}</a></td><td>${endpoint.key ?? '—'}</td><td>${target(endpoint)}</td>
<td>${endpoint.paused ? html`<span class="status cancelled" data-paused="true">paused</span>` : 'active'}</td>
<td class="last-delivery">${outcomeBadge(last)} ${last ? last.received_at.toISOString() : ''}</td><td class="muted">${endpoint.project_id}</td></tr>`;
  });
  return page(
    'Webhooks',
    html`<h1>Inbound webhooks</h1>
<table id="webhooks"><thead><tr><th>Endpoint</th><th>Key</th><th>Creates</th><th>State</th><th>Last delivery</th><th>Project</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6" class="muted">No webhook endpoints.</td></tr>`}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="${WEBHOOKS_EXPLORER_PATH}?cursor=${nextCursor}">Older endpoints →</a></p>` : ''}`,
  );
}

/** One endpoint: its fields and its recent deliveries with links to their runs. */
export function webhookPage(endpoint: WebhookEndpointRow, deliveries: WebhookInboundDeliveryRow[], nextCursor: string | null): SafeHtml {
  const rows = deliveries.map(
    (delivery) => html`<tr class="delivery" id="delivery-${delivery.id}" data-outcome="${delivery.outcome}">
<td>${delivery.received_at.toISOString()}</td><td>${delivery.webhook_id ?? '—'}</td><td>${outcomeBadge(delivery)}</td><td>${delivery.status_code}</td>
<td>${delivery.count > 1 ? `× ${delivery.count} this minute` : ''}</td>
<td>${delivery.run_id ? html`<a href="/admin/runs/${delivery.run_id}">${delivery.run_id}</a>` : '—'}</td></tr>`,
  );
  return page(
    endpoint.name,
    html`<h1>${endpoint.name} ${endpoint.paused ? html`<span class="status cancelled" data-paused="true">paused</span>` : ''}</h1>
<div class="card"><h2>Endpoint</h2><table>
<tr><th>Id</th><td>${endpoint.id}</td></tr><tr><th>Key</th><td>${endpoint.key ?? '—'}</td></tr><tr><th>Project</th><td>${endpoint.project_id}</td></tr>
<tr><th>Deliveries to</th><td><code>POST /hooks/${endpoint.id}</code></td></tr><tr><th>Creates</th><td>${target(endpoint)}</td></tr>
<tr><th>Created</th><td>${endpoint.created_at.toISOString()} by ${endpoint.created_by ?? '—'}</td></tr>
</table></div>
<div class="card"><h2>Recent deliveries</h2><table id="deliveries"><thead><tr><th>Received</th><th>webhook-id</th><th>Outcome</th><th>Status</th><th>Count</th><th>Run</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6" class="muted">No deliveries yet.</td></tr>`}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="${WEBHOOKS_EXPLORER_PATH}/${endpoint.id}?cursor=${nextCursor}">Older deliveries →</a></p>` : ''}</div>`,
  );
}

/** The trigger of a run created by a webhook delivery: its endpoint and delivery, linked; or what is left when they were deleted. */
export function webhookTrigger(deliveryId: string | null, delivery: WebhookInboundDeliveryRow | undefined, endpoint: WebhookEndpointRow | undefined): SafeHtml {
  if (!delivery || !endpoint) return html`webhook delivery <code>${deliveryId ?? '—'}</code> <span class="muted">(endpoint deleted)</span>`;
  return html`webhook <a id="trigger-webhook" href="${WEBHOOKS_EXPLORER_PATH}/${endpoint.id}">${endpoint.name}</a>, delivery
<a id="trigger-delivery" href="${WEBHOOKS_EXPLORER_PATH}/${endpoint.id}#delivery-${delivery.id}">${delivery.webhook_id ?? delivery.id}</a> at ${delivery.received_at.toISOString()}`;
}
