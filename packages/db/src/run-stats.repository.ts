import { sql } from 'kysely';
import { HOLD_REASONS, type HoldReason, type RunKind, type RunStatus } from '@runq/runs';
import type { Db } from './database.js';

/** Unfinished worker-executed runs by kind and status, and how many run on an expired lease. */
export interface UnfinishedRunCount {
  kind: RunKind;
  status: RunStatus;
  count: number;
  expiredLeases: number;
  /** Pending runs held by flow control, by reason (zero for other statuses). */
  held: Record<HoldReason, number>;
}

/**
 * Counts the unfinished runs that workers execute, for the metrics gauges. Served by the
 * partial index on unfinished runs, so the cost follows the backlog, not the table.
 */
export async function countUnfinishedRuns(db: Db): Promise<UnfinishedRunCount[]> {
  const rows = await db
    .selectFrom('runs')
    .select([
      'kind',
      'status',
      sql<string>`count(*)`.as('count'),
      sql<string>`count(*) filter (where status = 'running' and lease_expires_at < now())`.as('expired'),
      ...HOLD_REASONS.map((reason) => sql<string>`count(*) filter (where hold_reason = ${reason})`.as(`held_${reason}`)),
    ])
    .where('status', 'in', ['pending', 'running', 'waiting'])
    .where('executor', '=', 'worker')
    .groupBy(['kind', 'status'])
    .execute();
  return rows.map((row) => {
    const counts = row as unknown as Record<string, string>;
    return {
      kind: row.kind,
      status: row.status,
      count: Number(row.count),
      expiredLeases: Number(row.expired),
      held: Object.fromEntries(HOLD_REASONS.map((reason) => [reason, Number(counts[`held_${reason}`] ?? 0)])) as Record<HoldReason, number>,
    };
  });
}
