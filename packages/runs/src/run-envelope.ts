import type { RunKind } from './run-kind.js';
import type { RunError, RunOwnerKind, RunRecord, TriggerKind } from './run-record.js';
import type { RunStatus, WaitingReason } from './run-state.js';

/**
 * The public shape of a run: the `run` object of the `POST /runs` 202 response, also
 * returned by `GET /runs/{run_id}` and every run-control route.
 */
export interface RunEnvelope {
  run_id: string;
  kind: RunKind;
  status: RunStatus;
  owner: { kind: RunOwnerKind; id: string };
  parent_run_id: string | null;
  root_run_id: string;
  waiting_reason: WaitingReason | null;
  metadata: unknown;
  target: string | null;
  workflow_id: string | null;
  schedule_id: string | null;
  batch_id: string | null;
  runtime_target_kind: string | null;
  runtime_target_environment_id: string | null;
  runtime_target_branch_id: string | null;
  input: unknown;
  config: unknown;
  output: unknown;
  error: RunError | null;
  logs: string | null;
  artifacts: unknown[];
  duration_ms: number | null;
  exit_code: number | null;
  start_mode: string | null;
  timeout_seconds: number | null;
  backoff_limit: number | null;
  trigger_kind: TriggerKind | null;
  trigger_id: string | null;
  created_by: string | null;
  updated_at: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

function isoOrNull(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

/** Converts a stored run into its public envelope. The one place where that mapping lives. */
export function toRunEnvelope(run: RunRecord): RunEnvelope {
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
