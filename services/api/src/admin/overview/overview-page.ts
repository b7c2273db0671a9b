import type { KindBacklog, RunOverview } from '@runq/db';
import { RUN_KINDS, type RunKind } from '@runq/runs';
import { html, type SafeHtml } from '../explorer/html.js';
import { page } from '../explorer/layout.js';
import { barChart, lineChart, type ChartBar } from './svg-charts.js';

/** A colour per run kind, the same on every chart. */
const KIND_COLORS: Record<RunKind, string> = { agent: '#8250df', workflow: '#0969da', task: '#1a7f37', eval: '#bc4c00' };

/** What the overview draws: the last hour's figures and the backlog now. */
export interface OverviewData {
  overview: RunOverview;
  backlog: readonly KindBacklog[];
  minutes: number;
}

/** Per-minute values of one kind, oldest minute first, zero where nothing happened. */
function perMinute(rows: readonly { minute: Date; count: number; kind?: RunKind }[], since: Date, minutes: number, kind?: RunKind): number[] {
  const values = new Array<number>(minutes).fill(0);
  const start = Math.floor(since.getTime() / 60_000);
  for (const row of rows) {
    if (kind !== undefined && row.kind !== kind) continue;
    const index = Math.floor(row.minute.getTime() / 60_000) - start;
    if (index >= 0 && index < minutes) values[index]! += row.count;
  }
  return values;
}

function kindChart(id: string, title: string, rows: RunOverview['created'], data: OverviewData): SafeHtml {
  const series = RUN_KINDS.map((kind) => ({ name: kind, color: KIND_COLORS[kind], values: perMinute(rows, data.overview.since, data.minutes, kind) }));
  return lineChart({ id, title, unit: 'runs per minute', series, minutes: data.minutes });
}

/** The charts, as one fragment: the page embeds it, and the page's script swaps in a fresh one. */
export function overviewCharts(data: OverviewData): SafeHtml {
  const { overview, minutes } = data;
  const waits = (pick: (wait: RunOverview['queueWait'][number]) => number) =>
    perMinute(
      overview.queueWait.map((wait) => ({ minute: wait.minute, count: Math.round(pick(wait)) })),
      overview.since,
      minutes,
    );
  const backlog: ChartBar[] = RUN_KINDS.map((kind) => {
    const of = data.backlog.find((row) => row.kind === kind);
    return {
      label: `${kind} pending`,
      value: of?.pending ?? 0,
      note: of?.held ? `${of.held} held` : undefined,
      color: KIND_COLORS[kind],
      href: `/admin/runs?kind=${kind}&status=pending`,
    };
  });
  const projects: ChartBar[] = overview.busiestProjects.map((project) => ({
    label: project.projectId,
    value: project.count,
    color: '#57606a',
    href: `/admin/runs?project=${project.projectId}`,
  }));
  return html`<div class="grid" id="charts" data-until="${overview.until.toISOString()}">
${kindChart('created', 'Runs created', overview.created, data)}
${kindChart('completed', 'Runs completed', overview.completed, data)}
${kindChart('failed', 'Runs failed', overview.failed, data)}
${lineChart({
  id: 'queue-wait',
  title: 'Queue wait, creation to first start, by minute of creation',
  unit: 'ms; the legend gives the highest minute',
  summary: 'max',
  minutes,
  series: [
    { name: 'p50', color: '#0969da', values: waits((wait) => wait.p50Ms) },
    { name: 'p95', color: '#cf222e', values: waits((wait) => wait.p95Ms) },
  ],
})}
${barChart({ id: 'backlog', title: 'Backlog: pending runs per kind, now', unit: 'runs', bars: backlog, empty: 'No pending runs.' })}
${barChart({ id: 'projects', title: 'Busiest projects: runs created in the last hour', unit: 'runs', bars: projects, empty: 'No runs created in the last hour.' })}
</div>`;
}

/** The overview page: the charts, refreshed every few seconds by `/admin/overview.js` (same origin, as the CSP requires). */
export function overviewPage(data: OverviewData): SafeHtml {
  return page(
    'Overview',
    html`<h1>Overview <span class="muted" style="font-size:14px;font-weight:normal">last ${data.minutes} minutes, all projects; refreshed live</span></h1>
${overviewCharts(data)}
<script src="/admin/overview.js" defer></script>`,
  );
}
