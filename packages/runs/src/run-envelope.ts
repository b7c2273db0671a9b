import type { RunOwnerKind, RunRecord, RunSharedFields } from './run-record.js';

/**
 * The public shape of a run: the `run` object of the `POST /runs` 202 response, also
 * returned by `GET /runs/{run_id}` and every run-control route.
 */
export interface RunEnvelope extends RunSharedFields {
  run_id: string;
  owner: { kind: RunOwnerKind; id: string };
  updated_at: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/** What {@link toRunEnvelope} reads of a stored run: a listing need not load the rest. */
export type RunEnvelopeSource = RunSharedFields &
  Pick<RunRecord, 'id' | 'owner_kind' | 'owner_id' | 'created_at' | 'updated_at' | 'started_at' | 'completed_at'>;

function isoOrNull(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

/** Converts a stored run into its public envelope. The one place where that mapping lives. */
export function toRunEnvelope(run: RunEnvelopeSource): RunEnvelope {
  return {
    run_id: run.id,
    kind: run.kind,
    status: run.status,
    owner: { kind: run.owner_kind, id: run.owner_id },
    parent_run_id: run.parent_run_id,
    root_run_id: run.root_run_id,
    waiting_reason: run.waiting_reason,
    metadata: run.metadata ?? null,
    target: run.target,
    workflow_id: run.workflow_id,
    schedule_id: run.schedule_id,
    batch_id: run.batch_id,
    runtime_target_kind: run.runtime_target_kind,
    runtime_target_environment_id: run.runtime_target_environment_id,
    runtime_target_branch_id: run.runtime_target_branch_id,
    input: run.input ?? null,
    config: run.config ?? null,
    output: run.output ?? null,
    error: run.error,
    logs: run.logs,
    artifacts: run.artifacts,
    duration_ms: run.duration_ms,
    exit_code: run.exit_code,
    start_mode: run.start_mode,
    timeout_seconds: run.timeout_seconds,
    backoff_limit: run.backoff_limit,
    trigger_kind: run.trigger_kind,
    trigger_id: run.trigger_id,
    created_by: run.created_by,
    updated_at: run.updated_at.toISOString(),
    created_at: run.created_at.toISOString(),
    started_at: isoOrNull(run.started_at),
    completed_at: isoOrNull(run.completed_at),
  };
}
