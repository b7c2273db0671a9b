import type { RunKind, RunOwner, RunStatus, RuntimeTargetKind, TriggerKind, WaitingReason } from './run-enums.js';

/** The `error` of a failed run. */
export interface RunError {
  message: string;
  code?: string;
}

/**
 * The run envelope: the `run` object of the 202 body, and the body of `GET /runs/{run_id}`.
 * Hand-written to mirror the contract: every property is required except `metadata`, `input`,
 * `config` and `output`; `| null` = `nullable: true`. The contract does not forbid extra
 * properties here.
 */
export interface RunEnvelope {
  /** At least 1 character. */
  run_id: string;
  kind: RunKind;
  status: RunStatus;
  owner: RunOwner;
  /** At least 1 character when set. */
  parent_run_id: string | null;
  /** At least 1 character. */
  root_run_id: string;
  waiting_reason: WaitingReason | null;
  /** Any JSON value, or absent. */
  metadata?: unknown;
  target: string | null;
  workflow_id: string | null;
  /** UUID. */
  schedule_id: string | null;
  /** UUID. */
  batch_id: string | null;
  runtime_target_kind: RuntimeTargetKind | null;
  runtime_target_environment_id: string | null;
  runtime_target_branch_id: string | null;
  /** Any JSON value, or absent. */
  input?: unknown;
  /** Any JSON value, or absent. */
  config?: unknown;
  /** Any JSON value, or absent. */
  output?: unknown;
  error: RunError | null;
  logs: string | null;
  /** Any JSON values (null included). */
  artifacts: unknown[];
  /** Integer. */
  duration_ms: number | null;
  /** Integer. */
  exit_code: number | null;
  start_mode: string | null;
  /** Integer. */
  timeout_seconds: number | null;
  /** Integer. */
  backoff_limit: number | null;
  trigger_kind: TriggerKind | null;
  trigger_id: string | null;
  /** 1..255 characters when set. */
  created_by: string | null;
  updated_at: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/**
 * The 202 body of `POST /runs`.
 *
 * @example
 * ctx.status = 202;
 * ctx.body = { accepted: true, duplicate: false, run: envelope } satisfies CreateRunResponse;
 */
export interface CreateRunResponse {
  accepted: boolean;
  /** True when `public_id` repeated for the same owner with the same body. */
  duplicate?: boolean;
  run: RunEnvelope;
  /** UUID. */
  conversation_id?: string | null;
  /** UUID. */
  message_id?: string | null;
}
