import { sql } from 'kysely';
import { runIdRange, type RunKind } from '@runq/runs';
import type { Db } from './database.js';

/** Runs of one kind counted in one minute. */
export interface MinuteKindCount {
  /** The minute's start. */
  minute: Date;
  kind: RunKind;
  count: number;
}

/** Queue wait (creation to first start) of the runs created in one minute that have started. */
export interface MinuteQueueWait {
  minute: Date;
  started: number;
  p50Ms: number;
  p95Ms: number;
}

/** Runs created in the window by one project. */
export interface ProjectRunCount {
  projectId: string;
  count: number;
}

/** Pending runs of one kind that workers execute: all of them, and those held by flow control. */
export interface KindBacklog {
  kind: RunKind;
  pending: number;
  held: number;
}

/** What the operator overview draws, for the window `[since, until)`. */
export interface RunOverview {
  since: Date;
  until: Date;
  created: MinuteKindCount[];
  completed: MinuteKindCount[];
  failed: MinuteKindCount[];
  queueWait: MinuteQueueWait[];
  busiestProjects: ProjectRunCount[];
}

const minute = (column: 'created_at' | 'completed_at') => sql<Date>`date_trunc('minute', ${sql.ref(column)})`;

/**
 * The backlog per kind: pending runs that workers execute, and how many of them flow control
 * holds. An index-only scan of `runs_backlog_idx`, whose rows are the pending runs alone.
 */
export async function countBacklog(db: Db): Promise<KindBacklog[]> {
  const rows = await db
    .selectFrom('runs')
    .select(['kind', sql<string>`count(*)`.as('pending'), sql<string>`count(hold_reason)`.as('held')])
    .where('status', '=', 'pending')
    .where('executor', '=', 'worker')
    .groupBy('kind')
    .execute();
  return rows.map((row) => ({ kind: row.kind, pending: Number(row.pending), held: Number(row.held) }));
}

/**
 * The figures of the operator overview for the last `windowMs` before `until`: runs created,
 * completed and failed per minute and kind, the queue wait percentiles per minute of creation,
 * and the projects that created the most runs. Each statement reads a bounded range of an
 * index: runs created in the window are a range of run ids (ids begin with their creation
 * time), runs finished in it a range of `runs_finished_idx`, so the cost follows the window's
 * runs, not the table (docs/decisions/0018-operator-overview.md).
 */
export async function readRunOverview(db: Db, options: { until: Date; windowMs: number; topProjects: number }): Promise<RunOverview> {
  const until = options.until;
  const since = new Date(until.getTime() - options.windowMs);
  const ids = runIdRange({ after: since, before: until });
  // The window's created runs: a range of run ids (`runIdRange` bounds are exclusive).
  const createdInWindow = () => {
    let query = db.selectFrom('runs');
    if (ids.above !== undefined) query = query.where('id', '>', ids.above);
    if (ids.below !== undefined) query = query.where('id', '<', ids.below);
    return query;
  };
  const [created, finished, waits, projects] = await Promise.all([
    createdInWindow()
      .select([minute('created_at').as('minute'), 'kind', sql<string>`count(*)`.as('count')])
      .groupBy(['minute', 'kind'])
      .execute(),
    db
      .selectFrom('runs')
      .select([minute('completed_at').as('minute'), 'kind', 'status', sql<string>`count(*)`.as('count')])
      // The predicate of runs_finished_idx, narrowed to the two statuses drawn.
      .where('status', 'in', ['completed', 'failed'])
      .where('completed_at', '>=', since)
      .where('completed_at', '<', until)
      .groupBy(['minute', 'kind', 'status'])
      .execute(),
    createdInWindow()
      .select([
        minute('created_at').as('minute'),
        sql<string>`count(*)`.as('started'),
        // Percentiles have no query-builder form.
        sql<number>`percentile_cont(0.5) within group (order by extract(epoch from started_at - created_at) * 1000)`.as('p50'),
        sql<number>`percentile_cont(0.95) within group (order by extract(epoch from started_at - created_at) * 1000)`.as('p95'),
      ])
      .where('started_at', 'is not', null)
      .groupBy('minute')
      .execute(),
    // An index-only scan of runs_project_idx (project_id, id).
    createdInWindow()
      .select(['project_id', sql<string>`count(*)`.as('count')])
      .groupBy('project_id')
      .orderBy('count', 'desc')
      .orderBy('project_id')
      .limit(options.topProjects)
      .execute(),
  ]);
  const counts = (rows: { minute: Date; kind: RunKind; count: string }[]) =>
    rows.map((row) => ({ minute: new Date(row.minute), kind: row.kind, count: Number(row.count) }));
  return {
    since,
    until,
    created: counts(created),
    completed: counts(finished.filter((row) => row.status === 'completed')),
    failed: counts(finished.filter((row) => row.status === 'failed')),
    queueWait: waits.map((row) => ({ minute: new Date(row.minute), started: Number(row.started), p50Ms: Number(row.p50), p95Ms: Number(row.p95) })),
    busiestProjects: projects.map((row) => ({ projectId: row.project_id, count: Number(row.count) })),
  };
}
