import { sql } from 'kysely';
import type { BucketKey, FlowPolicy } from '@runq/runs';
import type { Db } from './database.js';
import type { NewPolicyRow, PolicyRow } from './policy.table.js';

/** The policy a row stores, as flow control applies it. */
export function toFlowPolicy(row: PolicyRow): FlowPolicy {
  return {
    id: row.id,
    name: row.name,
    match: { kind: row.match_kind, target: row.match_target },
    concurrency:
      row.concurrency_limit === null
        ? null
        : { key: row.concurrency_key as BucketKey, limit: row.concurrency_limit, strategy: row.concurrency_strategy ?? 'queue' },
    rate: row.rate_max === null || row.rate_per_ms === null ? null : { key: row.rate_key as BucketKey, max: row.rate_max, perMs: Number(row.rate_per_ms) },
    priority: row.priority,
    ttlMs: row.ttl_ms === null ? null : Number(row.ttl_ms),
  };
}

/** The policies of `projectIds`, by project then name. */
export async function listPolicies(db: Db, projectIds: readonly string[]): Promise<PolicyRow[]> {
  if (projectIds.length === 0) return [];
  return db
    .selectFrom('policies')
    .selectAll()
    .where('project_id', 'in', [...projectIds])
    .orderBy('project_id')
    .orderBy('name')
    .execute();
}

/** Every project's policies (for operators), by project then name, at most `limit`; one project's when `projectId` is given. */
export async function listAllPolicies(db: Db, options: { projectId?: string | undefined; limit: number }): Promise<PolicyRow[]> {
  let query = db.selectFrom('policies').selectAll();
  if (options.projectId !== undefined) query = query.where('project_id', '=', options.projectId);
  return query.orderBy('project_id').orderBy('name').limit(options.limit).execute();
}

/** Policies by id (those that still exist). */
export async function findPoliciesById(db: Db, ids: readonly string[]): Promise<PolicyRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('policies')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/**
 * Creates the policy `row.name` of its project, or replaces every field of the existing one
 * (keeping its id, so its buckets and the slots held in them carry on). `created` tells which.
 */
export async function upsertPolicy(db: Db, row: NewPolicyRow): Promise<{ policy: PolicyRow; created: boolean }> {
  const { id: _id, project_id: _project, name: _name, created_at: _created, ...fields } = row;
  const stored = await db
    .insertInto('policies')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'name']).doUpdateSet({ ...fields, updated_at: sql`now()` }))
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  const { created, ...policy } = stored;
  return { policy, created };
}

/** Deletes the policy `name` of one of `projectIds`; the deleted row, or undefined when there was none. */
export async function deletePolicy(db: Db, projectIds: readonly string[], name: string): Promise<PolicyRow | undefined> {
  if (projectIds.length === 0) return undefined;
  return db
    .deleteFrom('policies')
    .where('project_id', 'in', [...projectIds])
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst();
}

/** How full each bucket of a policy is: slots held and runs waiting, for the buckets in use. */
export interface BucketUse {
  bucket: string;
  running: number;
  held: number;
}

/**
 * The buckets of `policyId` that hold slots or have runs waiting. A bucket id starts with its
 * policy's id and a `/`, so both are read as a range of their tables' primary keys.
 */
export async function listBucketUse(db: Db, policyId: string): Promise<BucketUse[]> {
  const from = `${policyId}/`;
  const to = `${policyId}0`; // '0' sorts right after '/'
  const [slots, holds] = await Promise.all([
    db
      .selectFrom('run_slots')
      .select(['bucket', sql<string>`count(*)`.as('count')])
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .groupBy('bucket')
      .execute(),
    db
      .selectFrom('run_holds')
      .select(['bucket', sql<string>`count(*)`.as('count')])
      .where('bucket', '>=', from)
      .where('bucket', '<', to)
      .groupBy('bucket')
      .execute(),
  ]);
  const use = new Map<string, BucketUse>();
  for (const row of slots) use.set(row.bucket, { bucket: row.bucket, running: Number(row.count), held: 0 });
  for (const row of holds) {
    const entry = use.get(row.bucket) ?? { bucket: row.bucket, running: 0, held: 0 };
    entry.held = Number(row.count);
    use.set(row.bucket, entry);
  }
  return [...use.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
}
