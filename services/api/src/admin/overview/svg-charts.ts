import { html, SafeHtml } from '../explorer/html.js';

/** One line of a {@link lineChart}: a value per minute, oldest first. */
export interface ChartSeries {
  name: string;
  color: string;
  values: readonly number[];
}

/** One bar of a {@link barChart}. */
export interface ChartBar {
  label: string;
  value: number;
  color: string;
  /** Where the label links to, if anywhere. */
  href?: string | undefined;
  /** Shown after the value, e.g. `3 held`. */
  note?: string | undefined;
}

const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 44, right: 8, top: 8, bottom: 22 };

/** A round axis maximum at or above `value` (1, 2 or 5 times a power of ten). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

const format = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/**
 * A line chart of per-minute values, server-rendered as SVG: a polyline per series, the y axis
 * from 0 to a round maximum, the x axis from the window's start to now, and a legend with each
 * series' total (or, with `summary: 'max'`, its highest value). Each series is a `<g>` with
 * `data-series` and `data-total`, so what the chart shows can be read back (the tests do).
 */
export function lineChart(options: {
  id: string;
  title: string;
  unit: string;
  series: readonly ChartSeries[];
  minutes: number;
  summary?: 'total' | 'max';
}): SafeHtml {
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const max = niceCeiling(Math.max(0, ...options.series.flatMap((series) => series.values)));
  const x = (index: number) => PAD.left + (options.minutes <= 1 ? 0 : (index / (options.minutes - 1)) * innerWidth);
  const y = (value: number) => PAD.top + innerHeight - (value / max) * innerHeight;
  const summarise = (values: readonly number[]) => (options.summary === 'max' ? Math.max(0, ...values) : values.reduce((sum, value) => sum + value, 0));
  const lines = options.series.map((series) => {
    const points = series.values.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
    return html`<g data-series="${series.name}" data-total="${summarise(series.values)}"><polyline fill="none" stroke="${series.color}" stroke-width="1.6" points="${points}"/></g>`;
  });
  const grid = [0, 0.5, 1].map(
    (share) =>
      html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(max * share)}" y2="${y(max * share)}" stroke="#d0d7de" stroke-width="1"/><text x="${PAD.left - 6}" y="${y(max * share) + 4}" text-anchor="end">${format(max * share)}</text>`,
  );
  const axis = html`<text x="${PAD.left}" y="${HEIGHT - 6}">-${options.minutes} min</text><text x="${WIDTH - PAD.right}" y="${HEIGHT - 6}" text-anchor="end">now</text>`;
  const legend = options.series.map(
    (series) =>
      html`<li><span class="swatch" style="background:${series.color}"></span>${series.name} <strong>${format(summarise(series.values))}</strong></li>`,
  );
  return html`<figure class="chart" data-chart="${options.id}">
<figcaption>${options.title} <span class="muted">(${options.unit})</span></figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${options.title}" font-size="11" fill="#57606a">${grid}${axis}${lines}</svg>
<ul class="legend">${legend}</ul></figure>`;
}

/** A horizontal bar chart, server-rendered as SVG; each bar is a `<g>` with `data-bar` and `data-value`. */
export function barChart(options: { id: string; title: string; unit: string; bars: readonly ChartBar[]; empty: string }): SafeHtml {
  const rowHeight = 22;
  // Room for the longest label (a project id is 36 characters) at about 6 px a character.
  const labelWidth = Math.min(280, 16 + 6.2 * Math.max(8, ...options.bars.map((bar) => bar.label.length)));
  const height = Math.max(1, options.bars.length) * rowHeight + 4;
  const max = niceCeiling(Math.max(0, ...options.bars.map((bar) => bar.value)));
  const span = WIDTH - labelWidth - 60;
  const bars = options.bars.map((bar, index) => {
    const top = index * rowHeight + 2;
    const label = html`<text x="${labelWidth - 6}" y="${top + 14}" text-anchor="end">${bar.label}</text>`;
    return html`<g data-bar="${bar.label}" data-value="${bar.value}">${bar.href ? html`<a href="${bar.href}">${label}</a>` : label}<rect x="${labelWidth}" y="${top + 3}" height="${rowHeight - 8}" width="${((bar.value / max) * span).toFixed(1)}" fill="${bar.color}" rx="2"/><text x="${labelWidth + (bar.value / max) * span + 6}" y="${top + 14}">${format(bar.value)}${bar.note ? ` (${bar.note})` : ''}</text></g>`;
  });
  return html`<figure class="chart" data-chart="${options.id}">
<figcaption>${options.title} <span class="muted">(${options.unit})</span></figcaption>
${options.bars.length === 0 ? html`<p class="muted">${options.empty}</p>` : new SafeHtml(html`<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${options.title}" font-size="11" fill="#57606a">${bars}</svg>`.value)}
</figure>`;
}
