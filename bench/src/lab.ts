import { cpuBetween, snapshotCpu, type CpuUsage, type ProcessRoles } from './env/proc-stats.js';
import type { BenchServers } from './env/servers.js';
import type { PgStatements } from './profile/pg-stats.js';
import { cpuFigures, metric, type Better, type Row } from './report/results.js';
import type { Settings } from './settings.js';

/** What every scenario works with. */
export interface Lab {
  settings: Settings;
  servers: BenchServers;
  statements: PgStatements;
  resultsDir: string;
  /** Where --cpu-prof profiles go (when profiling). */
  profileDir: string | undefined;
  logDir: string | undefined;
  log(line: string): void;
  warn(line: string): void;
  /** Peak RSS of every process measured, filled in as processes stop. */
  memory: Row[];
}

/** Collects the repetitions of one row. */
export class RowBuilder {
  private readonly values = new Map<string, { unit: string; better: Better; reps: number[] }>();
  private readonly usages: CpuUsage[] = [];
  private readonly ops: number[] = [];
  private errors = 0;
  private readonly notes = new Set<string>();

  constructor(
    readonly subject: string,
    readonly label: string,
  ) {}

  add(name: string, unit: string, better: Better, value: number): this {
    const entry = this.values.get(name) ?? { unit, better, reps: [] };
    entry.reps.push(value);
    this.values.set(name, entry);
    return this;
  }

  cpu(usage: CpuUsage, ops: number): this {
    this.usages.push(usage);
    this.ops.push(ops);
    return this;
  }

  error(count: number, samples: readonly string[] = []): this {
    this.errors += count;
    for (const sample of samples.slice(0, 2)) this.notes.add(`error: ${sample}`);
    return this;
  }

  note(text: string): this {
    this.notes.add(text);
    return this;
  }

  build(): Row {
    const metrics: Row['metrics'] = {};
    for (const [name, entry] of this.values) metrics[name] = metric(entry.unit, entry.better, entry.reps);
    return {
      subject: this.subject,
      label: this.label,
      metrics,
      ...cpuFigures(this.usages, this.ops),
      ...(this.errors > 0 ? { errors: this.errors } : {}),
      ...(this.notes.size > 0 ? { notes: [...this.notes] } : {}),
    };
  }
}

/** Measures the CPU of `roles` (plus postgres and redis) while `work` runs. */
export async function withCpu<T>(roles: ProcessRoles, work: () => Promise<T>): Promise<{ value: T; cpu: CpuUsage }> {
  const before = snapshotCpu(roles);
  const value = await work();
  return { value, cpu: cpuBetween(before, snapshotCpu(roles)) };
}

/** Sleeps. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A number for a log line: `n/a` when there were no samples (a NaN travels as null over IPC). */
export function fixed(value: number | null | undefined, digits = 1): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}
