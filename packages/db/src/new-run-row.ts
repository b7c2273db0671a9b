import { TRANSITIONS, newRunId, runIdTime, type RunCreation, type RunKind, type RunOwnerKind, type RunSharedFields, type TriggerKind } from '@runq/runs';
import { toJson } from './json.js';
import type { NewRunRow } from './run.table.js';

/** The run columns a `POST /runs` body determines, besides its owner, parent and conversation. */
export type RunRequestColumns = Pick<
  RunSharedFields,
  | 'target'
  | 'workflow_id'
  | 'batch_id'
  | 'runtime_target_kind'
  | 'runtime_target_environment_id'
  | 'runtime_target_branch_id'
  | 'input'
  | 'config'
  | 'start_mode'
  | 'timeout_seconds'
  | 'backoff_limit'
> & {
  /** Request fields with no column of their own (e.g. a task's `name`, an agent's `implementation_kind`). */
  metadata: Record<string, unknown> | null;
};

/** What a new run is made of. */
export interface NewRunInput {
  /** `create` (a worker executes it) or `start` (its caller executes it and reports back). */
  creation: RunCreation;
  /** A run id (`newRunId`); a new one when absent. */
  id?: string;
  projectId: string;
  kind: RunKind;
  owner: { kind: RunOwnerKind; id: string };
  /** The request body as the client sent it. */
  request: unknown;
  columns: RunRequestColumns;
  /** The idempotency key and the hash of the body it was first sent with. */
  idempotency?: { publicId: string; hash: string } | undefined;
  parent?: { id: string; root_run_id: string } | undefined;
  conversation?: { conversationId: string | null; messageId: string | null };
  trigger: { kind: TriggerKind; id?: string | null; scheduleId?: string | null };
  createdBy: string | null;
  /** A pending run not started by then is cancelled with error code `expired` (a schedule's `run_ttl`). */
  expiresAt?: Date | null;
  /** Held from the start (a schedule's buffered occurrence): not given to a worker until released. */
  holdReason?: 'schedule' | null;
}

/**
 * The row of a new run, with the bookkeeping of its creation rule in the transition table:
 * `create` stores it `pending` for a worker; `start` stores it `running` as its first attempt,
 * executed by its caller. Its `created_at` is its id's time part (the two differ only after the
 * clock stepped back: the id keeps the last time, so ids still sort by creation), which is what
 * lets a creation-time window be listed as a range of ids (`runIdRange`).
 *
 * @example const row = newRunRow({ creation: 'create', projectId, kind: 'task', owner, request: body, columns, trigger: { kind: 'api' }, createdBy: 'api_key:abc' });
 */
export function newRunRow(input: NewRunInput): NewRunRow {
  const id = input.id ?? newRunId();
  const rule = TRANSITIONS[input.creation];
  const at = new Date(runIdTime(id));
  const { columns } = input;
  return {
    id,
    project_id: input.projectId,
    kind: input.kind,
    status: rule.to,
    executor: input.creation === 'start' ? 'caller' : 'worker',
    owner_kind: input.owner.kind,
    owner_id: input.owner.id,
    public_id: input.idempotency?.publicId ?? null,
    request_hash: input.idempotency?.hash ?? null,
    request: toJson(input.request),
    parent_run_id: input.parent?.id ?? null,
    root_run_id: input.parent?.root_run_id ?? id,
    metadata: toJson(columns.metadata),
    target: columns.target,
    workflow_id: columns.workflow_id,
    schedule_id: input.trigger.scheduleId ?? null,
    batch_id: columns.batch_id,
    runtime_target_kind: columns.runtime_target_kind,
    runtime_target_environment_id: columns.runtime_target_environment_id,
    runtime_target_branch_id: columns.runtime_target_branch_id,
    input: toJson(columns.input),
    config: toJson(columns.config),
    start_mode: columns.start_mode,
    timeout_seconds: columns.timeout_seconds,
    backoff_limit: columns.backoff_limit,
    trigger_kind: input.trigger.kind,
    trigger_id: input.trigger.id ?? null,
    created_by: input.createdBy,
    conversation_id: input.conversation?.conversationId ?? null,
    message_id: input.conversation?.messageId ?? null,
    attempt: rule.startsAttempt ? 1 : 0,
    job_id: id,
    created_at: at,
    updated_at: at,
    started_at: rule.startsAttempt ? at : null,
    expires_at: input.expiresAt ?? null,
    hold_reason: input.holdReason ?? null,
  };
}
