import type { RunKind } from './run-kind.js';
import type { RunStatus, WaitingReason } from './run-state.js';

/** Who owns a run: a project, or a conversation (which belongs to a project). */
export type RunOwnerKind = 'project' | 'conversation';

/** Where a run executes: on runq's workers, or by the caller that created it (`initial_status: running`). */
export type RunExecutor = 'worker' | 'caller';

/** The error a failed run (or its last failed attempt) reports. */
export interface RunError {
  message: string;
  code?: string;
}

/** Where a run was triggered from. */
export type TriggerKind = 'manual' | 'schedule' | 'webhook' | 'api';

/**
 * The fields a stored run and its public envelope share, with the same names and types.
 * {@link RunRecord} and `RunEnvelope` both extend it, so the two cannot drift apart.
 */
export interface RunSharedFields {
  kind: RunKind;
  status: RunStatus;
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
}

/**
 * A run as the store keeps it: the fields of the public envelope plus what runq needs to
 * execute it (project, idempotency key and request hash, executor, attempt and claim).
 * Timestamps are `Date`s; JSON columns hold parsed values.
 */
export interface RunRecord extends RunSharedFields {
  id: string;
  project_id: string;
  executor: RunExecutor;
  owner_kind: RunOwnerKind;
  owner_id: string;
  public_id: string | null;
  /** SHA-256 of the canonical request body; stored only for runs with a `public_id` (replays compare it). */
  request_hash: string | null;
  request: unknown;
  conversation_id: string | null;
  message_id: string | null;
  attempt: number;
  event_seq: number;
  job_id: string;
  lease_token: string | null;
  lease_expires_at: Date | null;
  resume_data: unknown;
  wait_deadline_at: Date | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}
