import type { BatchProgress } from '@runq/engine';
import type { BulkActionRow, DeadLetterGroup, RunRow } from '@runq/db';
import { RUN_STATUSES } from '@runq/runs';
import { html, type SafeHtml } from './html.js';
import { page, statusBadge } from './layout.js';

/** A batch's progress: its runs counted by status, with links to them. */
export function batchPage(progress: BatchProgress, projectId: string, createdAt: Date): SafeHtml {
  const finished = progress.counts.completed + progress.counts.failed + progress.counts.cancelled;
  const share = progress.total === 0 ? 100 : Math.round((finished / progress.total) * 100);
  return page(
    `batch ${progress.batch_id}`,
    html`<h1>Batch ${progress.batch_id}</h1>
<p id="batch-summary">${finished} of ${progress.total} runs finished (${share}%)${progress.done ? ' · done' : ''}</p>
<progress id="batch-progress" max="${progress.total}" value="${finished}"></progress>
<table id="batch-counts"><thead><tr><th>Status</th><th>Runs</th></tr></thead><tbody>
${RUN_STATUSES.map(
  (status) =>
    html`<tr data-status="${status}"><td>${statusBadge(status)}</td><td><a href="/admin/runs?batch=${progress.batch_id}&status=${status}">${progress.counts[status]}</a></td></tr>`,
)}
</tbody></table>
<p class="muted">Project ${projectId} · created ${createdAt.toISOString()} · <a href="/admin/runs?batch=${progress.batch_id}">all its runs</a></p>`,
  );
}

/**
 * Dead letters: failed runs grouped by project and error code, each group with a bulk replay of
 * its runs (its project's failed runs in the window with its error code; for the group without
 * a code, every failed run of the project in the window), the latest failed runs with a replay
 * each, and the latest bulk actions with their progress and, for a failed one, why it stopped.
 */
export function deadLettersPage(
  groups: readonly DeadLetterGroup[],
  runs: readonly RunRow[],
  actions: readonly BulkActionRow[],
  hours: number,
  notice?: string,
): SafeHtml {
  return page(
    'dead letters',
    html`<h1>Dead letters</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p class="muted">Failed runs (attempts exhausted) created in the last ${hours} h.</p>
<div class="card"><h2>By error code</h2><table id="dead-letter-groups"><thead><tr><th>Project</th><th>Error code</th><th>Runs</th><th>Latest</th><th></th></tr></thead><tbody>
${groups.map(
  (
    group,
  ) => html`<tr class="group" data-code="${group.code ?? ''}"><td>${group.project_id}</td><td><code>${group.code ?? '(none)'}</code></td><td>${group.count}</td>
<td>${group.latest_at.toISOString()}</td><td><form method="post" action="/admin/dead-letters/replay"><input type="hidden" name="project" value="${group.project_id}">
<input type="hidden" name="hours" value="${hours}">${group.code === null ? '' : html`<input type="hidden" name="code" value="${group.code}">`}
<button type="submit" class="bulk-replay">${group.code === null ? "Replay the project's failed runs" : 'Replay these runs'}</button></form></td></tr>`,
)}
</tbody></table></div>
<div class="card"><h2>Latest</h2><table id="dead-letters"><thead><tr><th>Run</th><th>Kind</th><th>Error</th><th>Attempts</th><th>Created</th><th></th></tr></thead><tbody>
${runs.map(
  (
    run,
  ) => html`<tr class="dead-letter" data-run="${run.id}"><td><a href="/admin/runs/${run.id}">${run.id}</a> ${statusBadge(run.status)}</td><td>${run.kind}</td>
<td>${run.error?.code ? html`<code>${run.error.code}</code> ` : ''}${run.error?.message ?? ''}</td><td>${run.attempt}</td><td>${run.created_at.toISOString()}</td>
<td><form method="post" action="/admin/runs/${run.id}/replay"><button type="submit" class="replay">Replay</button></form></td></tr>`,
)}
</tbody></table></div>
<div class="card"><h2>Bulk actions</h2><table id="bulk-actions"><thead><tr><th>Action</th><th>Project</th><th>Status</th><th>Progress</th><th>Error</th><th>Updated</th></tr></thead><tbody>
${actions.map(
  (action) => html`<tr class="bulk-action" data-action="${action.id}" data-status="${action.status}"><td>${action.action} <code>${action.id}</code></td>
<td>${action.project_id}</td><td>${action.status}</td><td>${action.processed} of ${action.matched} (${action.succeeded} succeeded, ${action.failed} failed)</td>
<td class="error">${action.error ?? ''}</td><td>${action.updated_at.toISOString()}</td></tr>`,
)}
</tbody></table></div>`,
  );
}
