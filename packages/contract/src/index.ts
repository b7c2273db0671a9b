/**
 * @runq/contract: the raw OpenAPI document of `POST /runs`, validators compiled from it at run
 * time (a reporting Ajv instance, plus a deciding one for `POST /runs` bodies) and hand-written
 * TypeScript types mirroring its schemas.
 *
 * @packageDocumentation
 */
export { contractDocumentPath, loadContractDocument } from './contract-document.js';
export { ContractDocumentError } from './errors.js';
export { validateCreateRunRequest, validateCreateRunResponse } from './validators.js';
export type { ValidationIssue, ValidationResult } from './validation-issues.js';
export type {
  ConversationMode,
  ConversationOwner,
  InitialStatus,
  JsonObject,
  OwnerKind,
  ProjectOwner,
  RunKind,
  RunOwner,
  RunStatus,
  RuntimeTargetKind,
  SourceTargetKind,
  StreamSourceTargetKind,
  TriggerKind,
  WaitingReason,
} from './run-enums.js';
export type {
  AgentContextItem,
  AgentRequest,
  AgentTargetFields,
  AgentTool,
  DurableRootRun,
  HostedChatContext,
  HostedChatInput,
  HostedDefaultChatAgentRequest,
  JsonContextItem,
  ProjectAgentStreamAgentRequest,
  ProjectAgentStreamInput,
  ResourceContextItem,
  RuntimeAgentRequest,
  RuntimeOverrides,
  TextContextItem,
} from './agent-request.js';
export type {
  AgentRunRequest,
  CreateRunRequest,
  EvalRequest,
  EvalRunRequest,
  RunRequestCommon,
  RunTrigger,
  TaskRequest,
  TaskRunRequest,
  WorkflowRequest,
  WorkflowRunRequest,
} from './create-run-request.js';
export type { CreateRunResponse, RunEnvelope, RunError } from './create-run-response.js';
export { loadRunqDocument, mergedDocument, runqDocumentPath, servedOpenApiJson } from './served-document.js';
export { toOpenApi31 } from './openapi-3-1.js';
export {
  validateRouteBody,
  type CompleteRunBody,
  type FailRunBody,
  type PolicyBody,
  type ScheduleBody,
  type SchedulePatchBody,
  type ScheduleSpecBody,
  type ResumeRunBody,
  type RouteBodies,
  type WaitRunBody,
  type WebhookBody,
  type WebhookPatchBody,
  type WebhookEventTypeBody,
  type WebhookFilterBody,
  type WebhookSubscriptionBody,
  type WebhookSubscriptionPatchBody,
} from './route-validators.js';
