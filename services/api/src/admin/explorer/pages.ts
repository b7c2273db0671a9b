import type { HoldPlace, RunEventRow, RunListRow, RunRow } from '@runq/db';
import { isTerminalStatus, RUN_KINDS, RUN_STATUSES, runtimeTargetOf } from '@runq/runs';
import { html, type SafeHtml } from './html.js';
import { page, statusBadge } from './layout.js';

/** The filters of the runs list, as given in the query string. */
export interface ExplorerFilter {
  project?: string;
  kind?: string;
  status?: string;
  batch?: string;
}

function options(values: readonly string[], selected: string | undefined): SafeHtml {
  return html`<option value="">any</option>${values.map((value) => html`<option value="${value}" ${value === selected ? html`selected` : ''}>${value}</option>`)}`;
}

function duration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function nameOf(run: Pick<RunRow, 'kind' | 'workflow_id' | 'target'>): string {
  return (run.kind === 'workflow' ? run.workflow_id : run.target) ?? '';
}

/** The list of recent runs with its filters and keyset pagination. */
export function runsPage(runs: RunListRow[], filter: ExplorerFilter, nextCursor: string | null, error?: string): SafeHtml {
  const query = (extra: Record<string, string>) => new URLSearchParams(Object.entries({ ...filter, ...extra }).filter(([, v]) => v)).toString();
  const rows = runs.map(
    (run) => html`<tr data-run-id="${run.id}">
<td><a href="/admin/runs/${run.id}">${run.id}</a></td><td>${run.kind}</td><td>${statusBadge(run.status, run.waiting_reason)}</td>
<td>${nameOf(run)}</td><td class="muted">${run.project_id}</td><td>${run.attempt}</td>
<td>${run.created_at.toISOString()}</td><td>${duration(run.duration_ms)}</td></tr>`,
  );
  return page(
    'Runs',
    html`<h1>Runs</h1>
${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
<form class="filters" method="get" action="/admin/runs">
<label>Project<input name="project" value="${filter.project ?? ''}" placeholder="project UUID" size="38"></label>
<label>Kind<select name="kind">${options(RUN_KINDS, filter.kind)}</select></label>
<label>Status<select name="status">${options(RUN_STATUSES, filter.status)}</select></label>
<label>Batch<input name="batch" value="${filter.batch ?? ''}" placeholder="batch UUID" size="38"></label>
<button type="submit">Filter</button></form>
<table id="runs"><thead><tr><th>Run</th><th>Kind</th><th>Status</th><th>Target</th><th>Project</th><th>Attempts</th><th>Created</th><th>Duration</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="8" class="muted">No runs match.</td></tr>`}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="/admin/runs?${query({ cursor: nextCursor })}">Older runs →</a></p>` : ''}`,
  );
}

function json(value: unknown): SafeHtml {
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}

function runLink(id: string | null): SafeHtml | string {
  return id ? html`<a href="/admin/runs/${id}">${id}</a>` : '—';
}

/** Why a pending run has not started: the hold that keeps it, with the use of the buckets it waits on. */
function pendingReason(run: RunRow, places: readonly HoldPlace[]): SafeHtml {
  const buckets = places.map(
    (place) =>
      html`<div class="bucket">${place.policyName ? html`policy <b>${place.policyName}</b>, ` : ''}bucket <code>${place.bucket}</code>: ${place.running}${place.limit === null ? '' : ` / ${place.limit}`} running</div>`,
  );
  switch (run.hold_reason) {
    case 'concurrency':
      return html`held: its concurrency bucket is full${buckets}`;
    case 'rate':
      return html`held: its rate window is used up; it tries again at ${run.hold_until?.toISOString() ?? 'the next opening'}`;
    case 'no_worker': {
      const target = runtimeTargetOf(run);
      return html`held: no live worker serves its runtime target <code>${target}</code> (start one with <code>--runtime-target ${target}</code>)`;
    }
    case 'schedule':
      return html`held: its schedule lets it start when the schedule's previous run ends`;
    default:
      return html`queued: waiting for a free worker slot`;
  }
}

/** One run: its fields, trigger, tree, replays, timeline, logs and the cancel/resume/replay actions. */
export function runPage(
  run: RunRow,
  events: RunEventRow[],
  children: RunRow[],
  holdPlaces: readonly HoldPlace[],
  notice?: string,
  /** What triggered the run when it is more than its kind (a webhook's endpoint and delivery). */
  trigger?: SafeHtml,
  replays: readonly RunRow[] = [],
): SafeHtml {
  const replayOf = (run.metadata as { replay_of?: unknown } | null)?.replay_of;
  const created = run.created_at.getTime();
  const timeline = events.map((event, i) => {
    const previous = events[i - 1];
    const data = (event.data ?? {}) as { error?: { message?: string; code?: string }; waiting_reason?: string };
    const since = previous ? event.at.getTime() - previous.at.getTime() : 0;
    return html`<tr class="event" data-to="${event.to_status}">
<td>${event.seq}</td><td>${event.at.toISOString()}</td><td>+${((event.at.getTime() - created) / 1000).toFixed(3)} s</td>
<td>${event.from_status ?? 'new'} → ${statusBadge(event.to_status)}</td><td>${event.attempt}</td><td>${previous ? duration(since) : ''}</td>
<td>${data.error ? html`<span class="error">${data.error.message}${data.error.code ? ` (${data.error.code})` : ''}</span>` : ''}${data.waiting_reason ?? ''}</td></tr>`;
  });
  const actions = html`<div class="actions">
${
  isTerminalStatus(run.status)
    ? html`<form method="post" action="/admin/runs/${run.id}/replay"><button type="submit" id="replay">Replay run</button></form>`
    : html`<form method="post" action="/admin/runs/${run.id}/cancel"><button class="danger" type="submit" id="cancel">Cancel run</button></form>`
}
${
  run.status === 'waiting'
    ? html`<form method="post" action="/admin/runs/${run.id}/resume"><textarea name="data" rows="2" cols="40" aria-label="resume data">{}</textarea><br><button type="submit" id="resume">Resume with this JSON</button></form>`
    : ''
}</div>`;
  return page(
    run.id,
    html`<h1>${run.id} ${statusBadge(run.status, run.waiting_reason)}</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${actions}
<div class="grid"><div class="card"><h2>Run</h2><table>
${run.status === 'pending' && run.executor === 'worker' ? html`<tr><th>Not started</th><td id="pending-reason">${pendingReason(run, holdPlaces)}</td></tr>` : ''}
<tr><th>Kind</th><td>${run.kind}</td></tr><tr><th>Target</th><td>${nameOf(run)}</td></tr><tr><th>Runtime target</th><td>${runtimeTargetOf(run)}</td></tr>
<tr><th>Owner</th><td>${run.owner_kind} ${run.owner_id}</td></tr><tr><th>Project</th><td>${run.project_id}</td></tr>
<tr><th>Executor</th><td>${run.executor}</td></tr><tr><th>Attempts</th><td>${run.attempt} (retries allowed: ${run.backoff_limit ?? 0})</td></tr>
<tr><th>Created</th><td>${run.created_at.toISOString()}</td></tr><tr><th>Started</th><td>${run.started_at?.toISOString() ?? '—'}</td></tr>
<tr><th>Finished</th><td>${run.completed_at?.toISOString() ?? '—'} ${duration(run.duration_ms)}</td></tr>
<tr><th>Created by</th><td>${run.created_by ?? '—'}</td></tr><tr><th>Batch</th><td>${run.batch_id ? html`<a href="/admin/batches/${run.batch_id}">${run.batch_id}</a>` : '—'}</td></tr>
<tr><th>Schedule</th><td>${run.schedule_id ? html`<a href="/admin/schedules/${run.schedule_id}">${run.schedule_id}</a>` : '—'}</td></tr>
<tr><th>Trigger</th><td id="trigger">${trigger ?? run.trigger_kind ?? '—'}</td></tr>
</table></div>
<div class="card"><h2>Tree</h2><table><tr><th>Root</th><td>${runLink(run.root_run_id === run.id ? null : run.root_run_id)}</td></tr>
<tr><th>Parent</th><td>${runLink(run.parent_run_id)}</td></tr>
<tr><th>Children</th><td>${children.length > 0 ? children.map((child) => html`<div>${runLink(child.id)} ${statusBadge(child.status)}</div>`) : '—'}</td></tr>
<tr><th>Replay of</th><td>${runLink(typeof replayOf === 'string' ? replayOf : null)}</td></tr>
<tr><th>Replays</th><td id="replays">${replays.length > 0 ? replays.map((replay) => html`<div class="replay">${runLink(replay.id)} ${statusBadge(replay.status)}</div>`) : '—'}</td></tr></table>
${run.error ? html`<h2>Error</h2>${json(run.error)}` : ''}</div></div>
<div class="card"><h2>Timeline</h2><table id="timeline"><thead><tr><th>#</th><th>At</th><th>Since created</th><th>Transition</th><th>Attempt</th><th>After previous</th><th>Detail</th></tr></thead><tbody>${timeline}</tbody></table></div>
<div class="grid"><div class="card"><h2>Output</h2>${json(run.output ?? null)}</div><div class="card"><h2>Logs</h2><pre id="logs">${run.logs ?? ''}</pre></div></div>
<div class="grid"><div class="card"><h2>Input</h2>${json(run.input ?? null)}</div><div class="card"><h2>Config and metadata</h2>${json({ config: run.config ?? null, metadata: run.metadata ?? null })}</div></div>`,
  );
}
