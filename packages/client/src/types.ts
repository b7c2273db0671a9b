import type { components, operations, paths } from './generated/api.js';

/** A run envelope. */
export type Run = components['schemas']['Run'];
/** A run's status. */
export type RunStatus = Run['status'];
/** An event of a run's log. */
export type RunEvent = components['schemas']['RunEvent'];
/** The body of `POST /runs` (the contract's request schema). */
export type CreateRunBody = paths['/runs']['post']['requestBody'] extends infer B
  ? B extends { content: { 'application/json': infer T } }
    ? T
    : never
  : never;
/** The 202 answer of `POST /runs`. */
export type CreateRunResult = paths['/runs']['post']['responses']['202']['content']['application/json'];
/** Filters of `GET /runs` (without `cursor`, which the iterator manages). */
export type ListRunsFilter = Omit<NonNullable<operations['listRuns']['parameters']['query']>, 'cursor'>;
/** A page of `GET /runs`. */
export type RunPage = operations['listRuns']['responses']['200']['content']['application/json'];
/** Body of a caller-executed run's completion. */
export type CompleteRunBody = components['schemas']['CompleteRunRequest'];
/** Body of a caller-executed run's failure. */
export type FailRunBody = components['schemas']['FailRunRequest'];
/** Body of a caller-executed run's wait. */
export type WaitRunBody = components['schemas']['WaitRunRequest'];

/** The authenticated caller and its projects (`GET /whoami`). */
export type Whoami = components['schemas']['Whoami'];

/** Statuses nothing moves a run out of. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** A schedule, with its state and next fire times. */
export type Schedule = components['schemas']['Schedule'];
/** The body of `POST /schedules` and `PUT /schedules/by-key/{key}`: its `run` is a `POST /runs` body without `public_id`. */
export type ScheduleBody = Omit<components['schemas']['ScheduleRequest'], 'run'> & { run: Omit<CreateRunBody, 'public_id'> };
/** The body of `PATCH /schedules/{id}`: any field of {@link ScheduleBody}. */
export type SchedulePatch = Omit<components['schemas']['SchedulePatchRequest'], 'run'> & { run?: Omit<CreateRunBody, 'public_id'> };
/** An occurrence of a schedule and what became of it. */
export type ScheduleOccurrence = components['schemas']['ScheduleOccurrence'];
/** Filters of `GET /schedules` (without `cursor`). */
export type ListSchedulesFilter = Omit<NonNullable<operations['listSchedules']['parameters']['query']>, 'cursor'>;
/** A page of `GET /schedules`. */
export type SchedulePage = operations['listSchedules']['responses']['200']['content']['application/json'];
/** A page of `GET /schedules/{id}/occurrences`. */
export type OccurrencePage = operations['listScheduleOccurrences']['responses']['200']['content']['application/json'];
/** The 202 answer of `POST /schedules/{id}/trigger`. */
export type TriggerResult = operations['triggerSchedule']['responses']['202']['content']['application/json'];

/** An inbound webhook endpoint (never its secret). */
export type Webhook = components['schemas']['Webhook'];
/** An endpoint with a signing secret just generated (`POST /webhooks`, `POST /webhooks/{id}/rotate-secret`): the only time it is shown. */
export type WebhookWithSecret = components['responses']['WebhookWithSecret']['content']['application/json'];
/** The body of `POST /webhooks`: its `run` is a `POST /runs` body without `public_id`; each delivery becomes its input. */
export type WebhookBody = Omit<components['schemas']['WebhookRequest'], 'run'> & { run: Omit<CreateRunBody, 'public_id'> };
/** The body of `PATCH /webhooks/{id}`: any of `name`, `run`, `paused`. */
export type WebhookPatch = Omit<components['schemas']['WebhookPatchRequest'], 'run'> & { run?: Omit<CreateRunBody, 'public_id'> };
/** A delivery to an endpoint and what became of it. */
export type WebhookInboundDelivery = components['schemas']['WebhookInboundDelivery'];
/** A page of `GET /webhooks`. */
export type WebhookPage = operations['listWebhooks']['responses']['200']['content']['application/json'];
/** A page of `GET /webhooks/{id}/deliveries`. */
export type WebhookInboundDeliveryPage = operations['listWebhookDeliveries']['responses']['200']['content']['application/json'];
/** A webhook subscription (never its secret). */
export type WebhookSubscription = components['schemas']['WebhookSubscription'];
/** A webhook subscription as created: with its signing secret, shown once. */
export type CreatedWebhookSubscription = WebhookSubscription & { secret: string };
/** The body of `POST /webhook-subscriptions`. */
export type WebhookSubscriptionBody = components['schemas']['WebhookSubscriptionRequest'];
/** The body of `PATCH /webhook-subscriptions/{id}`. */
export type WebhookSubscriptionPatch = components['schemas']['WebhookSubscriptionPatchRequest'];
/** One event for one subscription; its id is the `webhook-id` of every attempt. */
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
/** A page of `GET /webhook-subscriptions`. */
export type WebhookSubscriptionPage = operations['listWebhookSubscriptions']['responses']['200']['content']['application/json'];
/** A page of `GET /webhook-subscriptions/{id}/deliveries`. */
export type WebhookDeliveryPage = operations['listWebhookSubscriptionDeliveries']['responses']['200']['content']['application/json'];
/** The 202 answer of `POST /batches`: what became of each item, in order. */
export type BatchResult = components['schemas']['BatchResponse'];
/** A batch's progress (`GET /batches/{id}`). */
export type BatchProgress = components['schemas']['BatchProgress'];
/** The 202 answer of `POST /runs/{id}/replay`. */
export type ReplayResult = operations['replayRun']['responses']['202']['content']['application/json'];
/** A bulk action and its progress. */
export type BulkAction = components['schemas']['BulkAction'];
/** The body of `POST /bulk-actions` (without `dry_run`, which {@link BulkAction} methods set). */
export type BulkActionBody = Omit<components['schemas']['BulkActionRequest'], 'dry_run'>;
