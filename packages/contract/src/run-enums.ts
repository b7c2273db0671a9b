/*
 * String unions of the contract's enums, hand-written to mirror runs.openapi.yaml;
 * `src/types-honesty.test.ts` compares each with the document.
 */

/** The four kinds of run: the `kind` of a request variant and of the run envelope. */
export type RunKind = 'agent' | 'workflow' | 'task' | 'eval';

/** Lifecycle states of a run (docs/ARCHITECTURE.md, "The lifecycle"). */
export type RunStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

/** Why a `waiting` run waits. */
export type WaitingReason = 'tool' | 'approval' | 'event' | 'input';

/** Where a run executes: `runtime_target_kind` of requests and of the envelope. */
export type RuntimeTargetKind = 'main_branch' | 'environment' | 'preview_branch';

/** Where an agent's source comes from (`source_target_kind` of the runtime and hosted shapes). */
export type SourceTargetKind = 'project' | 'main_branch' | 'environment' | 'preview_branch' | 'release';

/** `input.source_target_kind` of the project-agent-stream shape: no `release` there. */
export type StreamSourceTargetKind = 'project' | 'main_branch' | 'environment' | 'preview_branch';

/** Who owns a run: a conversation (agent runs only) or a project. */
export type OwnerKind = 'conversation' | 'project';

/** What to do about the conversation of an agent run. */
export type ConversationMode = 'create_new' | 'existing' | 'none';

/** The status an agent run is created in (`running`: the caller executes it and reports back). */
export type InitialStatus = 'pending' | 'running';

/** What started a run, as reported in the envelope. */
export type TriggerKind = 'manual' | 'schedule' | 'webhook' | 'api';

/** Owner of a run scoped to a conversation (its project is the conversation's). */
export interface ConversationOwner {
  kind: 'conversation';
  /** Conversation UUID. */
  id: string;
}

/** Owner of a run scoped to a project. */
export interface ProjectOwner {
  kind: 'project';
  /** Project UUID. */
  id: string;
}

/** Either owner; agent requests and the envelope allow both, other requests only a project. */
export type RunOwner = ConversationOwner | ProjectOwner;

/**
 * A JSON object of free-form values (`type: object` with `additionalProperties: { nullable: true }`).
 */
export type JsonObject = Record<string, unknown>;
