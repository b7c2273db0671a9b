import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { RunKind } from '@runq/runs';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Counter = ColumnType<number, number | undefined, number>;

/** The events a subscription can ask for: a run entered the status after the dot. */
export const WEBHOOK_EVENT_TYPES = ['run.completed', 'run.failed', 'run.cancelled', 'run.waiting'] as const;
/** An event a subscription can ask for. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What became of a delivery: still to deliver (or retrying), delivered, or given up on. */
export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/**
 * `webhook_subscriptions`: where a project's run events are POSTed. `filter_kind` and
 * `filter_target` (null: any) narrow the runs; `secret_sealed` is the signing secret sealed
 * under `RUNQ_SECRETS_KEY`. A subscription whose deliveries failed for the whole retry window is
 * disabled (`enabled` false, with `disabled_reason` and `disabled_at`) until re-enabled.
 */
export interface WebhookSubscriptionTable {
  id: string;
  project_id: string;
  url: string;
  events: ColumnType<WebhookEventType[], WebhookEventType[], WebhookEventType[]>;
  filter_kind: RunKind | null;
  filter_target: string | null;
  secret_sealed: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_reason: string | null;
  disabled_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A row of `webhook_subscriptions` as selected. */
export type WebhookSubscriptionRow = Selectable<WebhookSubscriptionTable>;
/** A row of `webhook_subscriptions` to insert. */
export type NewWebhookSubscriptionRow = Insertable<WebhookSubscriptionTable>;
/** Changes to a row of `webhook_subscriptions`. */
export type WebhookSubscriptionRowUpdate = Updateable<WebhookSubscriptionTable>;

/**
 * `webhook_deliveries`: the outbox. One row per recorded event and matching subscription,
 * written by a trigger in the transaction of the transition; its `id` is the `webhook-id` of
 * every attempt. A pending row is due at `next_attempt_at`; a claimed one has that pushed past
 * the attempt's timeout, so a deliverer that dies leaves it due again.
 */
export interface WebhookDeliveryTable {
  id: string;
  subscription_id: string;
  run_id: string;
  event_seq: number;
  type: WebhookEventType;
  created_at: Timestamp;
  state: ColumnType<WebhookDeliveryState, WebhookDeliveryState | undefined, WebhookDeliveryState>;
  attempts: Counter;
  next_attempt_at: NullableTimestamp;
  last_attempt_at: NullableTimestamp;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  delivered_at: NullableTimestamp;
}

/** A row of `webhook_deliveries` as selected. */
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
