import type { AgentRunRequest, CreateRunRequest } from '@runq/contract';
import type { RunRequestColumns } from '@runq/db';

/** The run columns a `POST /runs` body determines (besides owner, parent and conversation). */
export type RequestedRunFields = RunRequestColumns & {
  /** True for agent runs created with `initial_status: running`: the caller executes them. */
  executedByCaller: boolean;
};

/**
 * Top-level body fields that are kept in `metadata` (the envelope has no field for them).
 * An agent's `conversation_id` is among them: with `conversation_mode` `none` or unset it
 * names no conversation of the run, and would otherwise be lost.
 */
const TOP_LEVEL_METADATA = ['public_id', 'trigger', 'conversation_mode', 'conversation_id'] as const;

function lowerUuid(value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : value.toLowerCase();
}

function collectMetadata(body: CreateRunRequest, request: object, mapped: readonly string[]): Record<string, unknown> | null {
  const metadata: Record<string, unknown> = {};
  for (const key of TOP_LEVEL_METADATA) {
    const value = (body as unknown as Record<string, unknown>)[key];
    if (value !== undefined) metadata[key] = value;
  }
  for (const [key, value] of Object.entries(request)) {
    if (!mapped.includes(key) && value !== undefined) metadata[key] = value;
  }
  return Object.keys(metadata).length > 0 ? metadata : null;
}

function agentFields(body: AgentRunRequest): RequestedRunFields {
  const request = body.request;
  if (!('agent_id' in request)) {
    // Project agent stream: the agent and its runtime target are given inside `input`.
    const input = request.input;
    return {
      ...EMPTY,
      target: input.agent_id,
      runtime_target_kind: input.runtime_target_kind ?? null,
      runtime_target_environment_id: lowerUuid(input.target_environment_id),
      runtime_target_branch_id: lowerUuid(input.target_branch_id),
      input,
      metadata: collectMetadata(body, request, ['input']),
    };
  }
  return {
    ...EMPTY,
    target: request.agent_id,
    runtime_target_kind: request.runtime_target_kind ?? null,
    runtime_target_environment_id: lowerUuid(request.runtime_target_environment_id),
    runtime_target_branch_id: lowerUuid(request.runtime_target_branch_id),
    input: 'input' in request ? request.input : null,
    metadata: collectMetadata(body, request, ['agent_id', 'input', 'runtime_target_kind', 'runtime_target_environment_id', 'runtime_target_branch_id']),
    executedByCaller: request.initial_status === 'running',
  };
}

const EMPTY: RequestedRunFields = {
  target: null,
  workflow_id: null,
  batch_id: null,
  runtime_target_kind: null,
  runtime_target_environment_id: null,
  runtime_target_branch_id: null,
  input: null,
  config: null,
  start_mode: null,
  timeout_seconds: null,
  backoff_limit: null,
  metadata: null,
  executedByCaller: false,
};

const RUNTIME_TARGET = ['runtime_target_kind', 'runtime_target_environment_id', 'runtime_target_branch_id'] as const;

/**
 * Maps a validated body to run columns. Every field of every variant lands somewhere: in its
 * envelope column, or in `metadata` when the envelope has none. UUIDs are stored in their
 * canonical lowercase form.
 */
export function requestedRunFields(body: CreateRunRequest): RequestedRunFields {
  if (body.kind === 'agent') return agentFields(body);
  const request = body.request;
  const common = {
    ...EMPTY,
    target: request.target,
    runtime_target_kind: request.runtime_target_kind ?? null,
    runtime_target_environment_id: lowerUuid(request.runtime_target_environment_id),
    runtime_target_branch_id: lowerUuid(request.runtime_target_branch_id),
  };
  switch (body.kind) {
    case 'workflow':
      return {
        ...common,
        workflow_id: body.request.workflow_id,
        input: body.request.input ?? null,
        start_mode: body.request.start_mode ?? null,
        metadata: collectMetadata(body, body.request, ['target', 'workflow_id', 'input', 'start_mode', ...RUNTIME_TARGET]),
      };
    case 'task':
      return {
        ...common,
        batch_id: lowerUuid(body.request.batch_id),
        config: body.request.config ?? null,
        timeout_seconds: body.request.timeout_seconds ?? null,
        backoff_limit: body.request.backoff_limit ?? null,
        metadata: collectMetadata(body, body.request, ['target', 'batch_id', 'config', 'timeout_seconds', 'backoff_limit', ...RUNTIME_TARGET]),
      };
    case 'eval':
      return {
        ...common,
        input: body.request.input ?? null,
        config: body.request.config ?? null,
        start_mode: body.request.start_mode ?? null,
        metadata: collectMetadata(body, body.request, ['target', 'input', 'config', 'start_mode', ...RUNTIME_TARGET]),
      };
  }
}
