import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { JsonColumn } from './json.js';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/**
 * `webhook_endpoints`: a project's inbound webhook endpoints. `run` is the `POST /runs` body
 * (without `public_id`) that each accepted delivery creates a run from.
 */
export interface WebhookEndpointTable {
  id: string;
  project_id: string;
  key: string | null;
  name: string;
  run: JsonColumn;
  paused: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A row of `webhook_endpoints` as selected. */
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
/** A row of `webhook_endpoints` to insert. */
export type NewWebhookEndpointRow = Insertable<WebhookEndpointTable>;
/** Changes to a row of `webhook_endpoints`. */
export type WebhookEndpointRowUpdate = Updateable<WebhookEndpointTable>;

/**
 * `webhook_endpoint_secrets`: an endpoint's signing secrets, sealed with the secret box. A
 * secret verifies deliveries while `expires_at` is null or in the future.
 */
export interface WebhookEndpointSecretTable {
  id: string;
  endpoint_id: string;
  sealed: string;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
}

/** A row of `webhook_endpoint_secrets` as selected. */
export type WebhookEndpointSecretRow = Selectable<WebhookEndpointSecretTable>;

/** What became of an inbound delivery. */
export type InboundDeliveryOutcome = 'accepted' | 'duplicate' | 'rejected';

/**
 * `webhook_inbound_deliveries`: one row per delivery that reached a known endpoint, except those
 * refused before their signature was verified: those are counted (`count`) in one row per
 * endpoint, reason and minute (`bucket`).
 */
export interface WebhookInboundDeliveryTable {
  id: string;
  endpoint_id: string;
  /** The sender's `webhook-id`; signed unless the delivery was refused before verification. */
  webhook_id: string | null;
  received_at: Timestamp;
  outcome: InboundDeliveryOutcome;
  reason: string | null;
  /** The validation issues of a rejected run body. */
  detail: JsonColumn;
  status_code: number;
  run_id: string | null;
  bucket: NullableTimestamp;
  count: ColumnType<number, number | undefined, number>;
}

/** A row of `webhook_inbound_deliveries` as selected. */
export type WebhookInboundDeliveryRow = Selectable<WebhookInboundDeliveryTable>;
/** A row of `webhook_inbound_deliveries` to insert. */
export type NewWebhookInboundDeliveryRow = Insertable<WebhookInboundDeliveryTable>;
