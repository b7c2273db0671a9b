import type { InitialStatus, JsonObject, RuntimeTargetKind, SourceTargetKind, StreamSourceTargetKind } from './run-enums.js';

/*
 * The three shapes of an agent body's `request` (an `anyOf` in the contract), hand-written to
 * mirror runs.openapi.yaml: `?` = not in `required`, `| null` = `nullable: true`.
 */

/** Where the agent's source and runtime live; shared by the runtime and hosted shapes. */
export interface AgentTargetFields {
  initial_status?: InitialStatus;
  source_target_kind?: SourceTargetKind | null;
  source_target_environment_id?: string | null;
  source_target_branch_id?: string | null;
  /** 1..128 characters. */
  source_target_release_version?: string | null;
  runtime_target_kind?: RuntimeTargetKind | null;
  runtime_target_environment_id?: string | null;
  runtime_target_branch_id?: string | null;
}

/** An agent executed by a registered runtime implementation (`title: RuntimeAgentRequest`). */
export interface RuntimeAgentRequest extends AgentTargetFields {
  mode: 'agent';
  /** At least 1 character. */
  agent_id: string;
  /** 1..64 characters of `[a-zA-Z0-9_-]`. */
  implementation_kind: string;
  /** 1..128 characters of `[a-zA-Z0-9_.:-]`. */
  worker_key?: string;
}

/** A tool offered to the agent; `name` is 1..128 characters, a letter then `[a-zA-Z0-9._:-]`. */
export interface AgentTool {
  name: string;
  /** At most 1024 characters. */
  description?: string;
  parameters?: JsonObject;
  inputSchema?: JsonObject;
  outputSchema?: JsonObject;
}

/** `input.context` of the hosted chat shape. */
export interface HostedChatContext {
  conversation_id?: string;
  project_id: string | null;
  /** At least 1 character. */
  project_reference?: string | null;
  branch_id: string | null;
  environment_context?: string;
}

/** `input.runtime_overrides` of the hosted chat shape. */
export interface RuntimeOverrides {
  /** At most 100 names of at least 1 character. */
  allowed_tools?: string[];
  /** `false` turns thinking off; an integer > 0 sets its budget. */
  thinking?: false | number;
  /** Integer > 0. */
  max_steps?: number;
}

/** `input.durable_root_run` of the hosted chat shape. */
export interface DurableRootRun {
  /** 1..128 characters. */
  run_id: string;
  message_id: string;
}

/** `input` of the hosted chat shape. */
export interface HostedChatInput {
  /** Chat messages, free-form objects. */
  messages: JsonObject[];
  /** At most 50. */
  tools?: AgentTool[];
  context: HostedChatContext;
  model?: string;
  active_chat_id?: string;
  allow_delegation?: boolean;
  forwarded_props?: JsonObject;
  runtime_overrides?: RuntimeOverrides;
  durable_root_run?: DurableRootRun;
}

/** The default hosted chat agent (`title: HostedDefaultChatAgentRequest`). */
export interface HostedDefaultChatAgentRequest extends AgentTargetFields {
  mode: 'agent';
  /** At least 1 character. */
  agent_id: string;
  input?: HostedChatInput;
}

/** A text context item; `title` at most 256 characters, `text` at most 16384. */
export interface TextContextItem {
  type: 'text';
  title?: string;
  text: string;
}

/** A JSON context item; `title` at most 256 characters. */
export interface JsonContextItem {
  type: 'json';
  title?: string;
  data: JsonObject;
}

/** A resource context item; `uri` at most 2048, `mimeType` 256, `text` 16384 characters. */
export interface ResourceContextItem {
  type: 'resource';
  title?: string;
  uri: string;
  mimeType?: string;
  text?: string;
}

/** One item of `input.context` of the stream shape (a `oneOf` told apart by `type`). */
export type AgentContextItem = TextContextItem | JsonContextItem | ResourceContextItem;

/** `input` of the project agent stream shape. */
export interface ProjectAgentStreamInput {
  /** 1..128 characters. */
  agent_id: string;
  source_target_kind?: StreamSourceTargetKind;
  /** Documented default: true. */
  allow_delegation?: boolean;
  /** Must be empty (`maxItems: 0`); documented default: []. */
  messages?: [];
  /** At most 50; documented default: []. */
  tools?: AgentTool[];
  /** At most 10; documented default: []. */
  context?: AgentContextItem[];
  forwarded_props?: JsonObject;
  runtime_target_kind?: RuntimeTargetKind | null;
  target_environment_id?: string | null;
  target_branch_id?: string | null;
}

/** A project agent streamed from its source (`title: ProjectAgentStreamAgentRequest`). */
export interface ProjectAgentStreamAgentRequest {
  mode: 'agent';
  input: ProjectAgentStreamInput;
}

/** The `request` of an agent body: one (or more) of the three shapes. */
export type AgentRequest = RuntimeAgentRequest | HostedDefaultChatAgentRequest | ProjectAgentStreamAgentRequest;
