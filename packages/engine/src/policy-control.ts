import { randomUUID } from 'node:crypto';
import type { PolicyBody } from '@runq/contract';
import { deletePolicy, deletePolicyBuckets, listBucketUse, listPolicies, upsertPolicy, type BucketUse, type Db, type PolicyRow, type RunRow } from '@runq/db';
import { InvalidRunRequestError, PolicyNotFoundError, ProjectNotFoundError, parseDuration } from '@runq/runs';
import type { RunAdmission } from './run-admission.js';
import type { RunActor } from './run-control.js';

/** The shortest rate window: a second. */
const MIN_RATE_WINDOW_MS = 1_000;

/** A policy with the use of its buckets. */
export interface PolicyWithUse {
  policy: PolicyRow;
  buckets: BucketUse[];
}

/**
 * The flow-control policies of a project (`PUT`, `GET`, `DELETE /policies`): validated beyond
 * what the schema says (durations, the project), stored, and on deletion the runs they held are
 * admitted under the policies that remain.
 */
export class PolicyControl {
  constructor(
    private readonly db: Db,
    private readonly admission: RunAdmission,
  ) {}

  /** Creates or replaces policy `name` of the actor's project (`body.project_id` when it has several). */
  async put(actor: RunActor, name: string, body: PolicyBody): Promise<{ policy: PolicyRow; created: boolean }> {
    const projectId = this.projectOf(actor, body.project_id);
    const rate = body.rate ?? null;
    const perMs = rate ? durationMs('/rate/per', rate.per) : null;
    if (perMs !== null && perMs < MIN_RATE_WINDOW_MS) throw new InvalidRunRequestError('/rate/per', 'must be at least 1s');
    const ttlMs = body.ttl === undefined || body.ttl === null ? null : durationMs('/ttl', body.ttl);
    if (ttlMs === 0) throw new InvalidRunRequestError('/ttl', 'must be longer than 0s');
    const concurrency = body.concurrency ?? null;
    const stored = await upsertPolicy(this.db, {
      id: randomUUID(),
      project_id: projectId,
      name,
      match_kind: body.match?.kind ?? null,
      match_target: body.match?.target ?? null,
      concurrency_key: concurrency?.key ?? null,
      concurrency_limit: concurrency?.limit ?? null,
      concurrency_strategy: concurrency ? (concurrency.strategy ?? 'queue') : null,
      rate_key: rate?.key ?? null,
      rate_max: rate?.max ?? null,
      rate_per_ms: perMs,
      priority: body.priority ?? 0,
      ttl_ms: ttlMs,
    });
    this.admission.forget(projectId);
    return stored;
  }

  /** The policies of the actor's projects, with the use of their buckets. */
  async list(actor: RunActor): Promise<PolicyWithUse[]> {
    const policies = await listPolicies(this.db, actor.projectIds);
    return Promise.all(policies.map(async (policy) => ({ policy, buckets: await listBucketUse(this.db, policy.id) })));
  }

  /**
   * Deletes policy `name`: its slots go, and the runs it held are admitted under the policies
   * that remain (enqueued once the deletion has committed).
   */
  async delete(actor: RunActor, name: string): Promise<void> {
    const admitted = await this.db.transaction().execute(async (trx) => {
      const deleted = await deletePolicy(trx, actor.projectIds, name);
      if (!deleted) throw new PolicyNotFoundError(name);
      this.admission.forget(deleted.project_id);
      const held = await deletePolicyBuckets(trx, deleted.id);
      const runs: RunRow[] = [];
      for (const run of held) {
        const { decision } = await this.admission.admit(trx, run, { wait: true, isNew: false });
        if (decision.type === 'admitted') runs.push(run);
      }
      return runs;
    });
    await this.admission.dispatch(admitted);
  }

  private projectOf(actor: RunActor, projectId: string | undefined): string {
    if (projectId !== undefined) {
      const id = projectId.toLowerCase();
      if (!actor.projectIds.includes(id)) throw new ProjectNotFoundError(id);
      return id;
    }
    const [only] = actor.projectIds;
    if (actor.projectIds.length !== 1 || only === undefined)
      throw new InvalidRunRequestError('/project_id', 'is required when the caller has several projects');
    return only;
  }
}

/** The milliseconds of a duration the schema accepted (its pattern), or a problem naming `path`. */
function durationMs(path: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidRunRequestError(path, 'must be a duration such as 30s, 15m, 2h or 1d');
  return ms;
}
