import type { RunStatus } from '@runq/runs';
import type { BatchRow, NewBatchRow } from './batch.table.js';
import type { Db } from './database.js';
import { inProjects } from './scope.js';

/** Inserts a batch. */
export async function insertBatch(db: Db, row: NewBatchRow): Promise<BatchRow> {
  return db.insertInto('batches').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The batch `id` if it belongs to one of `projectIds` (`'all'` only for the operator's explorer). */
export async function findBatch(db: Db, id: string, projectIds: readonly string[] | 'all'): Promise<BatchRow | undefined> {
  if (projectIds !== 'all' && projectIds.length === 0) return undefined;
  let query = db.selectFrom('batches').selectAll().where('id', '=', id);
  if (projectIds !== 'all') query = query.where('project_id', '=', inProjects(projectIds));
  return query.executeTakeFirst();
}

/**
 * How many of a batch's runs in `projectIds` are in each status (statuses with none are absent).
 * Scoped to projects because a task body may name any `batch_id`: another project's runs never
 * count towards a batch.
 */
export async function countBatchRuns(db: Db, batchId: string, projectIds: readonly string[] | 'all'): Promise<Partial<Record<RunStatus, number>>> {
  if (projectIds !== 'all' && projectIds.length === 0) return {};
  let query = db
    .selectFrom('runs')
    .select(['status', (eb) => eb.fn.countAll<string>().as('count')])
    .where('batch_id', '=', batchId);
  if (projectIds !== 'all') query = query.where('project_id', '=', inProjects(projectIds));
  const rows = await query.groupBy('status').execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** Batches newest first, for the operator's explorer. */
export async function listBatches(db: Db, filter: { projectIds: readonly string[] | 'all'; limit: number }): Promise<BatchRow[]> {
  if (filter.projectIds !== 'all' && filter.projectIds.length === 0) return [];
  let query = db.selectFrom('batches').selectAll();
  if (filter.projectIds !== 'all') query = query.where('project_id', '=', inProjects(filter.projectIds));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}
