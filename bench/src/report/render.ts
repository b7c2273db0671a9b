import { ratioOf, type BenchResults, type Row, type Section } from './results.js';

type Cell = string;

function formatNumber(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

/** Header and body cells of a section's main table, ratios included. */
function sectionTable(section: Section): { header: Cell[]; rows: Cell[][] } {
  const ratioHeaders: { label: string; comparison: number; metric: string }[] = [];
  section.comparisons.forEach((comparison, index) => {
    for (const metricName of comparison.metrics) {
      const column = section.columns.find((c) => c.metric === metricName);
      const who = comparison.subject === 'runq' ? 'runq' : (section.rows.find((row) => row.subject === comparison.subject)?.subject ?? comparison.subject);
      ratioHeaders.push({
        label: `${who} ÷ this${comparison.metrics.length > 1 ? ` (${column?.header ?? metricName})` : ''}`,
        comparison: index,
        metric: metricName,
      });
    }
  });
  const header = ['subject', ...section.columns.map((column) => column.header), ...ratioHeaders.map((ratio) => ratio.label)];
  const rows = section.rows.map((row) => {
    const cells = [
      row.label + (row.sharedFrom ? ' *' : '') + (row.errors ? ` (${row.errors} errors)` : ''),
      ...section.columns.map((column) => formatNumber(row.metrics[column.metric]?.median, column.digits ?? 0)),
    ];
    for (const ratio of ratioHeaders) {
      const comparison = section.comparisons[ratio.comparison];
      if (!comparison || comparison.subject === row.subject || (comparison.subject.startsWith('runq') && row.subject.startsWith('runq'))) {
        cells.push('—');
      } else {
        cells.push(formatRatio(ratioOf(section, comparison, ratio.metric, row)));
      }
    }
    return cells;
  });
  return { header, rows };
}

function textTable(header: Cell[], rows: Cell[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: Cell[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(header: Cell[], rows: Cell[][]): string {
  const escape = (cell: Cell) => cell.replaceAll('|', '\\|');
  return [
    `| ${header.map(escape).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

const MEMORY_TITLE = 'Memory (peak RSS, VmHWM; at the highest once-a-second sample: RSS, pages mapped from files, V8 heap spaces)';

/** Memory columns: peak and rest RSS, then what runq's processes were made of at their highest sampled RSS. */
const MEMORY_COLUMNS: [metric: string, header: string][] = [
  ['peak_rss', 'peak RSS (MB)'],
  ['rest_rss', 'at rest (MB)'],
  ['sampled_rss', 'highest sample (MB)'],
  ['file_rss', 'of which files'],
  ['v8_young', 'V8 young'],
  ['v8_old', 'V8 old'],
  ['v8_other', 'V8 other'],
];

function memoryTable(memory: Row[]): { header: Cell[]; rows: Cell[][] } {
  return {
    header: ['process', ...MEMORY_COLUMNS.map(([, header]) => header)],
    rows: memory.map((row) => [row.label, ...MEMORY_COLUMNS.map(([metric]) => formatNumber(row.metrics[metric]?.median, 0))]),
  };
}

function targetsTable(results: BenchResults): { header: Cell[]; rows: Cell[][] } {
  return {
    header: ['target', 'measured', 'met', 'what bounds it (when missed)'],
    rows: results.targets.map((target) => [
      target.target,
      target.measured,
      target.met === undefined ? '–' : target.met ? 'yes' : 'NO',
      target.met === false ? (target.why ?? '') : '',
    ]),
  };
}

/** The console report: every section's table, memory and targets. */
export function renderText(results: BenchResults): string {
  const out: string[] = [];
  out.push(
    `runq bench (${results.mode}, ${results.settings['reps'] as number} repetition(s), medians) — ${results.machine['cpus']} × ${results.machine['cpuModel']}, ${results.machine['memoryGiB']} GiB`,
  );
  for (const section of results.sections) {
    const { header, rows } = sectionTable(section);
    out.push('', `== ${section.title} ==`, section.description, textTable(header, rows));
  }
  const memory = memoryTable(results.memory);
  out.push('', `== ${MEMORY_TITLE} ==`, textTable(memory.header, memory.rows));
  out.push('', '== Targets ==', textTable(targetsTable(results).header, targetsTable(results).rows));
  if (results.warnings.length > 0) out.push('', 'Warnings:', ...results.warnings.map((warning) => `- ${warning}`));
  out.push('', `* measured once per run and shown beside each backend. Wall time ${Math.round(results.wallSeconds)} s.`);
  return out.join('\n');
}

function cpuTable(section: Section): { header: Cell[]; rows: Cell[][] } | undefined {
  const rows = section.rows.filter((row) => row.cpuMsPerOp && !row.sharedFrom);
  if (rows.length === 0) return undefined;
  const roles = [...new Set(rows.flatMap((row) => Object.keys(row.cpuMsPerOp ?? {})))].filter((role) =>
    rows.some((row) => (row.cpuCores?.[role] ?? 0) >= 0.005),
  );
  return {
    header: ['subject', ...roles.map((role) => `${role} ms/op (cores)`), 'machine busy'],
    rows: rows.map((row) => [
      row.label,
      ...roles.map((role) => `${formatNumber(row.cpuMsPerOp?.[role], 3)} (${formatNumber(row.cpuCores?.[role], 2)})`),
      row.machineBusy === undefined ? '–' : `${Math.round(row.machineBusy * 100)} %`,
    ]),
  };
}

/** The Markdown report written to bench/results/. */
export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  out.push(`# runq bench — ${results.mode} run, ${results.startedAt}`, '');
  out.push(
    `Every figure is the median of ${results.settings['reps'] as number} repetition(s); ratios are runq's median ÷ the other row's median, measured in this same run (throughput: above 1 means runq is faster; latency: below 1 means runq is faster). Wall time: ${Math.round(results.wallSeconds)} s.`,
    '',
  );
  out.push('## Machine and versions', '');
  out.push(
    markdownTable(
      ['', ''],
      [...Object.entries(results.machine), ...Object.entries(results.versions)].map(([k, v]) => [k, String(v)]),
    ),
    '',
  );
  out.push('## Settings', '', '```json', JSON.stringify(results.settings, null, 2), '```', '');
  out.push('## Targets', '', markdownTable(targetsTable(results).header, targetsTable(results).rows), '');
  for (const section of results.sections) {
    const { header, rows } = sectionTable(section);
    out.push(`## ${section.title}`, '', section.description, '', markdownTable(header, rows), '');
    const repsRows = section.rows
      .filter((row) => !row.sharedFrom)
      .flatMap((row) => Object.entries(row.metrics).map(([name, m]) => [row.label, name, m.reps.map((r) => formatNumber(r, 1)).join(', ')]));
    out.push('<details><summary>Repetitions</summary>', '', markdownTable(['subject', 'metric', 'values'], repsRows), '', '</details>', '');
    const cpu = cpuTable(section);
    if (cpu) out.push('CPU per operation (and cores used) during the measured windows:', '', markdownTable(cpu.header, cpu.rows), '');
    const notes = section.rows.flatMap((row) => (row.notes ?? []).map((note) => `- ${row.label}: ${note}`));
    if (notes.length > 0) out.push(...notes, '');
    if (section.statements && section.statements.length > 0) {
      out.push('<details><summary>Top statements (pg_stat_statements)</summary>', '');
      out.push(
        markdownTable(
          ['database', 'calls', 'mean ms', 'total ms', 'share', 'query'],
          section.statements.map((s) => [
            s.database,
            String(s.calls),
            formatNumber(s.meanMs, 3),
            String(s.totalMs),
            `${Math.round(s.share * 100)} %`,
            `\`${s.query.slice(0, 220)}\``,
          ]),
        ),
        '',
        '</details>',
        '',
      );
    }
    if (section.plans) {
      out.push('<details><summary>Plans (EXPLAIN ANALYZE, BUFFERS)</summary>', '');
      for (const [label, plan] of Object.entries(section.plans)) out.push(`**${label}**`, '', '```', plan, '```', '');
      out.push('</details>', '');
    }
  }
  const memory = memoryTable(results.memory);
  out.push(`## ${MEMORY_TITLE}`, '', markdownTable(memory.header, memory.rows), '');
  for (const [name, summaries] of Object.entries(results.profiles)) {
    out.push(`## CPU profile: ${name}`, '');
    for (const summary of summaries) {
      out.push(
        `\`${summary.file}\`: ${Math.round(summary.wallMs / 1000)} s profiled, ${Math.round(summary.busyShare * 100)} % busy; shares below are of the busy time (GC ${Math.round(summary.gcShare * 100)} %).`,
        '',
      );
      out.push(
        markdownTable(
          ['self time by package', 'share'],
          summary.byPackage.map((e) => [e.name, `${(e.share * 100).toFixed(1)} %`]),
        ),
        '',
      );
      out.push(
        markdownTable(
          ['self time by function', 'share'],
          summary.byFunction.map((e) => [e.name, `${(e.share * 100).toFixed(1)} %`]),
        ),
        '',
      );
      out.push(
        markdownTable(
          ['inclusive (synchronous) time', 'share'],
          summary.inclusive.map((e) => [e.name, `${(e.share * 100).toFixed(1)} %`]),
        ),
        '',
      );
    }
  }
  if (results.warnings.length > 0) out.push('## Warnings', '', ...results.warnings.map((warning) => `- ${warning}`), '');
  out.push('Rows marked * were measured once in this run and are shown beside each backend.', '');
  return out.join('\n');
}
