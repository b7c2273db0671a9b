import type { AgentRequest } from './agent-request.js';
import type { ConversationMode, ProjectOwner, RunOwner, RuntimeTargetKind, JsonObject } from './run-enums.js';

/*
 * Bodies of `POST /runs`, hand-written to mirror the request schema of runs.openapi.yaml:
 * `?` = not in `required`, `| null` = `nullable: true`. Schemas without
 * `additionalProperties: false` also accept properties not listed here.
 */

/** What created the run (`trigger`), all optional; UUIDs where the contract says so. */
export interface RunTrigger {
  conversation_id?: string;
  message_id?: string;
  /** 1..128 characters. */
  tool_call_id?: string;
}

/** Properties shared by the four request variants. */
export interface RunRequestCommon {
  /** Caller's idempotency key, 1..128 characters. */
  public_id?: string;
  /** Parent run id, 1..128 characters. */
  parent_run_id?: string;
  trigger?: RunTrigger;
}

/** Body creating an agent run (variant titled `agent`). */
export interface AgentRunRequest extends RunRequestCommon {
  kind: 'agent';
  owner: RunOwner;
  conversation_mode?: ConversationMode;
  conversation_id?: string;
  request: AgentRequest;
}

/** The `request` object of a workflow body. */
export interface WorkflowRequest {
  /** 1..255 characters; the handler name for workflow runs. */
  workflow_id: string;
  /** 1..512 characters. */
  target: string;
  runtime_target_kind?: RuntimeTargetKind;
  runtime_target_environment_id?: string | null;
  runtime_target_branch_id?: string | null;
  input?: JsonObject;
  /** 1..64 characters. */
  start_mode?: string;
}

/** Body creating a workflow run (variant titled `workflow`). */
export interface WorkflowRunRequest extends RunRequestCommon {
  kind: 'workflow';
  owner: ProjectOwner;
  request: WorkflowRequest;
}

/** The `request` object of a task body. */
export interface TaskRequest {
  /** Human-readable task run name, 1..255 characters. */
  name?: string;
  /** 1..512 characters; the handler name for task runs. */
  target: string;
  /** Batch UUID grouping related task runs. */
  batch_id?: string;
  runtime_target_kind?: RuntimeTargetKind;
  runtime_target_environment_id?: string | null;
  runtime_target_branch_id?: string | null;
  config?: JsonObject;
  /** Integer > 0. */
  timeout_seconds?: number;
  /** Integer >= 0: the number of retries. */
  backoff_limit?: number;
}

/** Body creating a task run (variant titled `task`). */
export interface TaskRunRequest extends RunRequestCommon {
  kind: 'task';
  owner: ProjectOwner;
  request: TaskRequest;
}

/** The `request` object of an eval body. */
export interface EvalRequest {
  /** 1..512 characters; the handler name for eval runs. */
  target: string;
  runtime_target_kind?: RuntimeTargetKind;
  runtime_target_environment_id?: string | null;
  runtime_target_branch_id?: string | null;
  input?: JsonObject;
  config?: JsonObject;
  /** 1..64 characters. */
  start_mode?: string;
}

/** Body creating an eval run (variant titled `eval`). */
export interface EvalRunRequest extends RunRequestCommon {
  kind: 'eval';
  owner: ProjectOwner;
  request: EvalRequest;
}

/**
 * A valid `POST /runs` body: one of the four variants, told apart by `kind`.
 *
 * @example
 * const body: CreateRunRequest = {
 *   kind: 'task',
 *   owner: { kind: 'project', id: '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11' },
 *   request: { target: 'resize-image', timeout_seconds: 60 },
 * };
 */
export type CreateRunRequest = AgentRunRequest | WorkflowRunRequest | TaskRunRequest | EvalRunRequest;
