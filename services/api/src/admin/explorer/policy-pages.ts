import type { BucketUse, PolicyRow } from '@runq/db';
import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

/** What a bucket id says of its key: the value after the policy id (`*` for a policy without a key). */
function keyOf(bucket: string): string {
  return bucket.slice(bucket.indexOf('/') + 1);
}

function seconds(ms: string | number | null): string {
  return ms === null ? '—' : `${Number(ms) / 1000}s`;
}

/** Every project's policies, each with its buckets' use. */
export function policiesPage(policies: readonly { policy: PolicyRow; buckets: BucketUse[] }[], project: string | undefined, error?: string): SafeHtml {
  const rows = policies.map(({ policy, buckets }) => {
    const concurrency =
      policy.concurrency_limit === null
        ? '—'
        : `${policy.concurrency_limit} per ${policy.concurrency_key ?? 'policy'} (${policy.concurrency_strategy ?? 'queue'})`;
    const rate = policy.rate_max === null ? '—' : `${policy.rate_max} per ${seconds(policy.rate_per_ms)} per ${policy.rate_key ?? 'policy'}`;
    const use = buckets.map(
      (bucket) =>
        html`<div class="bucket" data-key="${keyOf(bucket.bucket)}"><code>${keyOf(bucket.bucket)}</code>: ${bucket.running}${policy.concurrency_limit === null ? '' : ` / ${policy.concurrency_limit}`} running, ${bucket.held} held</div>`,
    );
    return html`<tr data-policy="${policy.name}"><td><b>${policy.name}</b></td><td class="muted">${policy.project_id}</td>
<td>${policy.match_kind ?? 'any kind'}${policy.match_target ? html`, target <code>${policy.match_target}</code>` : ''}</td>
<td>${concurrency}</td><td>${rate}</td><td>${policy.priority}</td><td>${seconds(policy.ttl_ms)}</td>
<td class="buckets">${use.length > 0 ? use : html`<span class="muted">no run</span>`}</td></tr>`;
  });
  return page(
    'Policies',
    html`<h1>Policies</h1>
${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
<form class="filters" method="get" action="/admin/policies">
<label>Project<input name="project" value="${project ?? ''}" placeholder="project UUID" size="38"></label>
<button type="submit">Filter</button></form>
<table id="policies"><thead><tr><th>Policy</th><th>Project</th><th>Matches</th><th>Concurrency</th><th>Rate</th><th>Priority (s)</th><th>TTL</th><th>Buckets in use</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="8" class="muted">No policies.</td></tr>`}</tbody></table>`,
  );
}
