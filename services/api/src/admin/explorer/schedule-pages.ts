import type { ScheduleOccurrenceRow, ScheduleRow } from '@runq/db';
import { upcomingOf } from '@runq/engine';
import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';

/** A schedule's spec in a few words. */
function specText(spec: unknown): string {
  const value = spec as { cron?: string; timezone?: string; every?: string; anchor?: string; at?: string[] };
  if (value.cron !== undefined) return `cron ${value.cron} (${value.timezone ?? 'UTC'})`;
  if (value.every !== undefined) return `every ${value.every} from ${value.anchor ?? '—'}`;
  return `at ${value.at?.length ?? 0} instant(s)`;
}

function outcomeBadge(outcome: string | undefined): SafeHtml | string {
  return outcome
    ? html`<span class="status ${outcome === 'created' ? 'completed' : outcome === 'missed' || outcome === 'expired' ? 'failed' : 'cancelled'}" data-outcome="${outcome}">${outcome}</span>`
    : '—';
}

function target(schedule: ScheduleRow): string {
  const run = schedule.run as { request?: { target?: string; workflow_id?: string } };
  return run.request?.workflow_id ?? run.request?.target ?? '';
}

/** The schedules list: next fire time, last outcome and whether each is paused. */
export function schedulesPage(
  schedules: ScheduleRow[],
  lastOutcomes: ReadonlyMap<string, ScheduleOccurrenceRow>,
  project: string | undefined,
  nextCursor: string | null,
  error?: string,
): SafeHtml {
  const rows = schedules.map((schedule) => {
    const last = lastOutcomes.get(schedule.id);
    return html`<tr data-schedule-id="${schedule.id}">
<td><a href="/admin/schedules/${schedule.id}">${schedule.key ?? schedule.id}</a></td><td>${schedule.kind}</td><td>${target(schedule)}</td><td>${specText(schedule.spec)}</td>
<td class="next-fire">${schedule.paused ? html`<span class="status cancelled" data-paused="true">paused</span>` : (schedule.next_fire_at?.toISOString() ?? '—')}</td>
<td class="last-outcome">${outcomeBadge(last?.outcome)} ${last ? last.scheduled_for.toISOString() : ''}</td>
<td>${schedule.runs_created}</td><td class="muted">${schedule.project_id}</td></tr>`;
  });
  const more = nextCursor ? new URLSearchParams({ ...(project ? { project } : {}), cursor: nextCursor }).toString() : '';
  return page(
    'Schedules',
    html`<h1>Schedules</h1>
${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
<form class="filters" method="get" action="/admin/schedules">
<label>Project<input name="project" value="${project ?? ''}" placeholder="project UUID" size="38"></label>
<button type="submit">Filter</button></form>
<table id="schedules"><thead><tr><th>Schedule</th><th>Kind</th><th>Target</th><th>Spec</th><th>Next fire</th><th>Last outcome</th><th>Runs</th><th>Project</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="8" class="muted">No schedules.</td></tr>`}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="/admin/schedules?${more}">Older schedules →</a></p>` : ''}`,
  );
}

/** One schedule: its fields, state, next fire times and occurrences with links to their runs. */
export function schedulePage(schedule: ScheduleRow, occurrences: ScheduleOccurrenceRow[], nextCursor: string | null): SafeHtml {
  const rows = occurrences.map(
    (occurrence) => html`<tr class="occurrence" data-outcome="${occurrence.outcome}">
<td>${occurrence.scheduled_for.toISOString()}</td><td>${occurrence.fired_at.toISOString()}</td><td>${outcomeBadge(occurrence.outcome)}</td>
<td>${occurrence.run_id ? html`<a href="/admin/runs/${occurrence.run_id}">${occurrence.run_id}</a>` : '—'}</td></tr>`,
  );
  const upcoming = schedule.paused ? [] : upcomingOf(schedule);
  return page(
    schedule.key ?? schedule.id,
    html`<h1>${schedule.key ?? schedule.id} ${schedule.paused ? html`<span class="status cancelled" data-paused="true">paused</span>` : ''}</h1>
<div class="grid"><div class="card"><h2>Schedule</h2><table>
<tr><th>Id</th><td>${schedule.id}</td></tr><tr><th>Project</th><td>${schedule.project_id}</td></tr>
<tr><th>Spec</th><td>${specText(schedule.spec)}</td></tr><tr><th>Run</th><td>${schedule.kind} ${target(schedule)}</td></tr>
<tr><th>Overlap</th><td>${schedule.overlap}</td></tr><tr><th>Missed</th><td>${schedule.missed}</td></tr>
<tr><th>Runs created</th><td>${schedule.runs_created}</td></tr><tr><th>Skipped / missed</th><td>${schedule.skipped} / ${schedule.missed_count}</td></tr>
<tr><th>Last fired</th><td>${schedule.last_fired_at?.toISOString() ?? '—'}</td></tr>
</table></div>
<div class="card"><h2>Next fire times</h2><ol id="upcoming">${upcoming.length > 0 ? upcoming.map((at) => html`<li>${at.toISOString()}</li>`) : html`<li class="muted">none</li>`}</ol></div></div>
<div class="card"><h2>Occurrences</h2><table id="occurrences"><thead><tr><th>Scheduled for</th><th>Fired</th><th>Outcome</th><th>Run</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="4" class="muted">No occurrences yet.</td></tr>`}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="/admin/schedules/${schedule.id}?cursor=${nextCursor}">Older occurrences →</a></p>` : ''}</div>`,
  );
}
