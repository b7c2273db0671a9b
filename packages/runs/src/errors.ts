import type { RunStatus, RunTransition } from './run-state.js';

/** Base of runq's domain errors: each has a stable machine-readable `code`. */
export abstract class RunqError extends Error {
  abstract readonly code: string;
  override readonly name: string = this.constructor.name;
}

/** The run does not exist, or is outside the caller's projects (the two are not distinguished). */
export class RunNotFoundError extends RunqError {
  readonly code = 'run_not_found';
  constructor(readonly runId: string) {
    super(`Run ${runId} was not found.`);
  }
}

/** The named parent run does not exist in the caller's projects. */
export class ParentRunNotFoundError extends RunqError {
  readonly code = 'parent_run_not_found';
  constructor(readonly parentRunId: string) {
    super(`Parent run ${parentRunId} was not found.`);
  }
}

/** The owning project is not one of the caller's projects. */
export class ProjectNotFoundError extends RunqError {
  readonly code = 'project_not_found';
  constructor(readonly projectId: string) {
    super(`Project ${projectId} was not found.`);
  }
}

/** The conversation does not exist in the caller's projects. */
export class ConversationNotFoundError extends RunqError {
  readonly code = 'conversation_not_found';
  constructor(readonly conversationId: string) {
    super(`Conversation ${conversationId} was not found.`);
  }
}

/** The run is in a status from which the requested transition is not allowed. */
export class InvalidTransitionError extends RunqError {
  readonly code = 'invalid_transition';
  constructor(
    readonly runId: string,
    readonly transition: RunTransition,
    readonly status: RunStatus,
    readonly reason?: string,
  ) {
    super(reason ? `Run ${runId} cannot ${transition}: ${reason}.` : `Run ${runId} is ${status}; it cannot ${transition}.`);
  }
}

/** A `public_id` was reused for the same owner with a different request body. */
export class IdempotencyConflictError extends RunqError {
  readonly code = 'idempotency_conflict';
  constructor(
    readonly publicId: string,
    readonly existingRunId: string,
  ) {
    super(`public_id ${JSON.stringify(publicId)} was already used with a different request (run ${existingRunId}).`);
  }
}

/** No flow-control policy of that name in the caller's projects. */
export class PolicyNotFoundError extends RunqError {
  readonly code = 'policy_not_found';
  constructor(readonly policyName: string) {
    super(`Policy ${JSON.stringify(policyName)} was not found.`);
  }
}

/** A field the schema accepts is inconsistent with the rest of the request. */
export class InvalidRunRequestError extends RunqError {
  readonly code = 'invalid_request';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The schedule does not exist, or is outside the caller's projects (the two are not distinguished). */
export class ScheduleNotFoundError extends RunqError {
  readonly code = 'schedule_not_found';
  constructor(readonly scheduleId: string) {
    super(`Schedule ${scheduleId} was not found.`);
  }
}

/** Another schedule of the project already has this key. */
export class ScheduleKeyTakenError extends RunqError {
  readonly code = 'schedule_key_taken';
  constructor(readonly key: string) {
    super(`A schedule with key ${JSON.stringify(key)} already exists in this project.`);
  }
}

/** A triggered occurrence was skipped: the schedule's overlap policy allows no run while another is unfinished. */
export class ScheduleOverlapError extends RunqError {
  readonly code = 'schedule_overlap';
  constructor(
    readonly scheduleId: string,
    readonly occurrenceId: string,
  ) {
    super(`Schedule ${scheduleId} has an unfinished run and its overlap policy skips new ones (occurrence ${occurrenceId}).`);
  }
}

/** The webhook endpoint does not exist, or is outside the caller's projects (the two are not distinguished). */
export class WebhookNotFoundError extends RunqError {
  readonly code = 'webhook_not_found';
  constructor(readonly webhookId: string) {
    super(`Webhook endpoint ${webhookId} was not found.`);
  }
}

/** Another webhook endpoint of the project already has this key. */
export class WebhookKeyTakenError extends RunqError {
  readonly code = 'webhook_key_taken';
  constructor(readonly key: string) {
    super(`A webhook endpoint with key ${JSON.stringify(key)} already exists in this project.`);
  }
}

/** The webhook endpoint is paused: its deliveries are recorded and refused. */
export class WebhookPausedError extends RunqError {
  readonly code = 'webhook_paused';
  constructor(readonly webhookId: string) {
    super(`Webhook endpoint ${webhookId} is paused; the delivery was recorded and no run was created.`);
  }
}

/** The batch does not exist, or is outside the caller's projects. */
export class BatchNotFoundError extends RunqError {
  readonly code = 'batch_not_found';
  constructor(readonly batchId: string) {
    super(`Batch ${batchId} was not found.`);
  }
}

/** The bulk action does not exist, or is outside the caller's projects. */
export class BulkActionNotFoundError extends RunqError {
  readonly code = 'bulk_action_not_found';
  constructor(readonly bulkActionId: string) {
    super(`Bulk action ${bulkActionId} was not found.`);
  }
}

/** Every domain error code; the API maps each to an HTTP status in one exhaustive table. */
export type DomainErrorCode =
  | RunNotFoundError['code']
  | ParentRunNotFoundError['code']
  | ProjectNotFoundError['code']
  | ConversationNotFoundError['code']
  | InvalidTransitionError['code']
  | IdempotencyConflictError['code']
  | InvalidRunRequestError['code']
  | PolicyNotFoundError['code']
  | ScheduleNotFoundError['code']
  | ScheduleKeyTakenError['code']
  | ScheduleOverlapError['code']
  | WebhookNotFoundError['code']
  | WebhookKeyTakenError['code']
  | WebhookPausedError['code']
  | BatchNotFoundError['code']
  | BulkActionNotFoundError['code'];
