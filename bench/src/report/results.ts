import type { CpuUsage } from '../env/proc-stats.js';
import type { ProfileSummary } from '../profile/cpu-profile.js';
import { median } from '../stats.js';

/** Which way a metric improves. */
export type Better = 'higher' | 'lower';

/** One measured quantity of one subject, with every repetition kept. */
export interface Metric {
  unit: string;
  better: Better;
  reps: number[];
  median: number;
}

/** One system (or variant) measured in one scenario. */
export interface Row {
  /** `runq`, `floor`, `bullmq`, `graphile`, `pgboss`, or a reads shape. */
  subject: string;
  label: string;
  metrics: Record<string, Metric>;
  /** Median cores used per process role during the measured windows. */
  cpuCores?: Record<string, number>;
  /** Median CPU milliseconds per operation, per process role. */
  cpuMsPerOp?: Record<string, number>;
  /** Median machine busy share (0..1). */
  machineBusy?: number;
  errors?: number;
  notes?: string[];
  /** Copied from another section (measured once, shown beside both backends). */
  sharedFrom?: string;
}

/** A column of a section's table. */
export interface Column {
  metric: string;
  header: string;
  /** Digits after the decimal point. */
  digits?: number;
}

/** How a section compares runq with the other rows. */
export interface Comparison {
  /** The runq row's subject. */
  subject: string;
  /** Metrics compared (runq's value ÷ the other row's value). */
  metrics: string[];
  /** The other rows' metric to divide by, when it has another name (e.g. peers' pickup for runq's created→running). */
  against?: Record<string, string>;
}

/** One table of the report. */
export interface Section {
  id: string;
  title: string;
  /** What was measured and how, in a sentence or two. */
  description: string;
  columns: Column[];
  rows: Row[];
  comparisons: Comparison[];
  /** Top statements by total time in pg_stat_statements during the section. */
  statements?: StatementStat[];
  /** Share of PostgreSQL's statement time spent in the PostgreSQL queue backend's functions (BullMQ's), when runq used that backend. */
  queueStatementShare?: number;
  /** EXPLAIN ANALYZE output, by label. */
  plans?: Record<string, string>;
}

/** One pg_stat_statements entry. */
export interface StatementStat {
  database: string;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  /** Share of all statement time in the window. */
  share: number;
}

/** A target of the issue and whether this run met it. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
  /** When missed: what bounds the figure, from the same run's CPU figures. */
  why?: string;
}

/** Everything a run produced: written as JSON, rendered as text and Markdown. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  mode: 'full' | 'quick';
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  sections: Section[];
  memory: Row[];
  targets: TargetCheck[];
  profiles: Record<string, ProfileSummary[]>;
  warnings: string[];
}

/** Builds a metric from its repetitions. */
export function metric(unit: string, better: Better, reps: number[]): Metric {
  return { unit, better, reps, median: median(reps) };
}

/** Median cores and CPU ms per operation over repetitions. */
export function cpuFigures(usages: CpuUsage[], opsPerRep: number[]): Pick<Row, 'cpuCores' | 'cpuMsPerOp' | 'machineBusy'> {
  if (usages.length === 0) return {};
  const roles = new Set(usages.flatMap((usage) => Object.keys(usage.cores)));
  const cpuCores: Record<string, number> = {};
  const cpuMsPerOp: Record<string, number> = {};
  for (const role of roles) {
    cpuCores[role] = median(usages.map((usage) => usage.cores[role] ?? 0));
    cpuMsPerOp[role] = median(usages.map((usage, i) => ((usage.cores[role] ?? 0) * usage.seconds * 1000) / Math.max(1, opsPerRep[i] ?? 0)));
  }
  return { cpuCores, cpuMsPerOp, machineBusy: median(usages.map((usage) => usage.machineBusy)) };
}

/** The ratio `runq ÷ other` for one metric of a comparison, or NaN. */
export function ratioOf(section: Section, comparison: Comparison, metricName: string, other: Row): number {
  const runq = section.rows.find((row) => row.subject === comparison.subject);
  const mine = runq?.metrics[metricName]?.median;
  const theirs = other.metrics[comparison.against?.[metricName] ?? metricName]?.median;
  if (mine === undefined || theirs === undefined || !Number.isFinite(mine) || !Number.isFinite(theirs) || theirs === 0) return Number.NaN;
  return mine / theirs;
}
