import { randomUUID } from 'node:crypto';
import type { ValidationIssue } from '@runq/contract';
import {
  countUnverifiedRejection,
  findAcceptedDelivery,
  findRun,
  findUnstorableValue,
  findWebhookEndpoint,
  insertAcceptedDelivery,
  insertDelivery,
  listLiveWebhookSecrets,
  toJson,
  type Db,
  type InboundDeliveryOutcome,
  type RunRow,
  type WebhookEndpointRow,
  type WebhookInboundDeliveryRow,
} from '@runq/db';
import { IdempotencyConflictError, RunqError, WebhookNotFoundError } from '@runq/runs';
import { SecretBoxError, verifyDelivery, type SecretBox, type VerifyFailure } from '@runq/webhooks';
import type { RunIngest } from './run-ingest.js';
import { deliveryPublicId, deliveryRunBody, templateOf } from './webhook-fields.js';

/** Why a delivery was refused before its signature was verified (counted per minute, not one row each). */
export type UnverifiedRefusal = VerifyFailure | 'payload_too_large';

/** Why a verified delivery created no run. */
export type VerifiedRejection = 'paused' | 'unsupported_media_type' | 'invalid_json' | 'invalid_run';

/** A delivery as it arrived: its headers and its raw bytes, unparsed. */
export interface InboundDelivery {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  /** The media type of `Content-Type`, without parameters; empty when absent. */
  mediaType: string;
}

/** A delivery that created no run: why, and the status its sender is answered with. */
export interface RejectedDelivery {
  outcome: 'rejected';
  status: number;
  /** An {@link UnverifiedRefusal}, a {@link VerifiedRejection}, or the code of the domain error that stopped the run. */
  reason: string;
  detail: string;
  errors?: ValidationIssue[];
}

/** What became of a delivery, and the status its sender is answered with. */
export type DeliveryResult = { outcome: 'accepted' | 'duplicate'; status: 200 | 202; deliveryId: string; run: RunRow | undefined } | RejectedDelivery;

/** The status a rejection is answered with. */
const REJECTION_STATUS: Readonly<Record<UnverifiedRefusal | VerifiedRejection, number>> = {
  missing_headers: 401,
  malformed_timestamp: 401,
  stale_timestamp: 401,
  future_timestamp: 401,
  bad_signature: 401,
  payload_too_large: 413,
  paused: 409,
  unsupported_media_type: 415,
  invalid_json: 400,
  invalid_run: 422,
};

const REFUSAL_DETAIL: Readonly<Record<UnverifiedRefusal, string>> = {
  missing_headers: 'The webhook-id, webhook-timestamp and webhook-signature headers are required.',
  malformed_timestamp: 'webhook-timestamp must be Unix seconds.',
  stale_timestamp: 'webhook-timestamp is more than 5 minutes in the past.',
  future_timestamp: 'webhook-timestamp is more than 5 minutes in the future.',
  bad_signature: 'No webhook-signature matches a secret of this endpoint.',
  payload_too_large: 'The request body is too large.',
};

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Internal signal: the delivery's `webhook-id` was accepted meanwhile; its run insert rolls back. */
class DeliveryTaken extends Error {}

/**
 * Inbound deliveries (`POST /hooks/{id}`): verifies the signature over the raw bytes with every
 * live secret of the endpoint, dedupes on the signed `webhook-id`, parses the body, and creates
 * the run from the endpoint's template in the transaction that records the accepted delivery.
 * Every delivery to a known endpoint is recorded; those refused before verification are counted
 * per endpoint, reason and minute, so that forged floods write a bounded number of rows.
 */
export class WebhookReceiver {
  constructor(
    private readonly db: Db,
    private readonly ingest: RunIngest,
    private readonly box: SecretBox,
    private readonly onOutcome: (outcome: InboundDeliveryOutcome) => void = () => undefined,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The endpoint `id` of any project ({@link WebhookNotFoundError} when there is none). */
  async endpoint(id: string): Promise<WebhookEndpointRow> {
    const endpoint = await findWebhookEndpoint(this.db, id, 'all');
    if (!endpoint) throw new WebhookNotFoundError(id);
    return endpoint;
  }

  /** Records a delivery refused before verification (its body was too large to read). */
  async refuse(
    endpoint: WebhookEndpointRow,
    reason: UnverifiedRefusal,
    webhookId: string | undefined,
    detail = REFUSAL_DETAIL[reason],
  ): Promise<RejectedDelivery> {
    const status = REJECTION_STATUS[reason];
    await countUnverifiedRejection(this.db, { id: randomUUID(), endpoint_id: endpoint.id, reason, status_code: status, webhook_id: webhookId ?? null });
    this.onOutcome('rejected');
    return { outcome: 'rejected', status, reason, detail };
  }

  /**
   * Verifies, records and carries out one delivery. `recordRefusal: false` (its sender is
   * throttled for bad signatures) leaves a failed verification unrecorded: only counted in metrics.
   */
  async receive(endpoint: WebhookEndpointRow, delivery: InboundDelivery, options: { recordRefusal?: boolean } = {}): Promise<DeliveryResult> {
    const webhookId = headerOf(delivery.headers, 'webhook-id');
    const failure = verifyDelivery(await this.secretsOf(endpoint), delivery.headers, delivery.body, this.nowSeconds());
    if (failure && options.recordRefusal === false) {
      this.onOutcome('rejected');
      return { outcome: 'rejected', status: REJECTION_STATUS[failure], reason: failure, detail: REFUSAL_DETAIL[failure] };
    }
    if (failure) return this.refuse(endpoint, failure, webhookId);
    const signedId = webhookId as string;
    const accepted = await findAcceptedDelivery(this.db, endpoint.id, signedId);
    if (accepted) return this.duplicate(endpoint, accepted);
    if (endpoint.paused) return this.reject(endpoint, signedId, 'paused', `Webhook endpoint ${endpoint.id} is paused; no run was created.`);
    if (delivery.mediaType !== '' && !JSON_MEDIA_TYPE.test(delivery.mediaType)) {
      return this.reject(endpoint, signedId, 'unsupported_media_type', `Content-Type ${delivery.mediaType} is not supported; send application/json.`);
    }
    let input: unknown;
    try {
      input = JSON.parse(utf8.decode(delivery.body));
    } catch {
      return this.reject(endpoint, signedId, 'invalid_json', 'The request body is not valid UTF-8 JSON.');
    }
    const unstorable = findUnstorableValue(input);
    if (unstorable) return this.reject(endpoint, signedId, 'invalid_run', 'The request body cannot be stored as sent.', [unstorable]);
    const body = deliveryRunBody(templateOf(endpoint), input, deliveryPublicId(endpoint.id, signedId));
    if (!body.ok) return this.reject(endpoint, signedId, 'invalid_run', 'The run made from this delivery does not match the POST /runs contract.', body.errors);
    return this.create(endpoint, signedId, body.value);
  }

  /** Creates the run and its accepted delivery in one transaction; a concurrent twin finds the same run. */
  private async create(endpoint: WebhookEndpointRow, webhookId: string, body: Parameters<RunIngest['createRun']>[1]): Promise<DeliveryResult> {
    const deliveryId = randomUUID();
    const actor = { name: `webhook:${endpoint.id}`, projectIds: [endpoint.project_id] };
    try {
      const created = await this.ingest.createRun(
        actor,
        body,
        { kind: 'webhook', id: deliveryId },
        {
          alongside: async (trx, run) => {
            const row = await insertAcceptedDelivery(trx, {
              id: deliveryId,
              endpoint_id: endpoint.id,
              webhook_id: webhookId,
              status_code: 202,
              run_id: run.id,
            });
            if (!row) throw new DeliveryTaken();
          },
        },
      );
      if (!created.duplicate) {
        this.onOutcome('accepted');
        return { outcome: 'accepted', status: 202, deliveryId, run: created.run };
      }
    } catch (error) {
      if (!(error instanceof DeliveryTaken || error instanceof IdempotencyConflictError)) {
        if (error instanceof RunqError) return this.reject(endpoint, webhookId, error.code, error.message, undefined, 422);
        throw error;
      }
    }
    const accepted = await findAcceptedDelivery(this.db, endpoint.id, webhookId);
    if (!accepted) throw new Error(`webhook-id ${JSON.stringify(webhookId)} has a run but no accepted delivery`);
    return this.duplicate(endpoint, accepted);
  }

  /** Records a redelivery of an accepted `webhook-id`: the same run, answered 200. */
  private async duplicate(endpoint: WebhookEndpointRow, accepted: WebhookInboundDeliveryRow): Promise<DeliveryResult> {
    const run = accepted.run_id === null ? undefined : await findRun(this.db, accepted.run_id, [endpoint.project_id]);
    const row = await insertDelivery(this.db, {
      id: randomUUID(),
      endpoint_id: endpoint.id,
      webhook_id: accepted.webhook_id,
      outcome: 'duplicate',
      status_code: 200,
      run_id: accepted.run_id,
    });
    this.onOutcome('duplicate');
    return { outcome: 'duplicate', status: 200, deliveryId: row.id, run };
  }

  /** Records a verified delivery that created no run. */
  private async reject(
    endpoint: WebhookEndpointRow,
    webhookId: string,
    reason: VerifiedRejection | string,
    detail: string,
    errors?: ValidationIssue[],
    status = REJECTION_STATUS[reason as VerifiedRejection],
  ): Promise<RejectedDelivery> {
    await insertDelivery(this.db, {
      id: randomUUID(),
      endpoint_id: endpoint.id,
      webhook_id: webhookId,
      outcome: 'rejected',
      reason,
      detail: toJson(errors ? { detail, errors } : { detail }),
      status_code: status,
    });
    this.onOutcome('rejected');
    return { outcome: 'rejected', status, reason, detail, ...(errors ? { errors } : {}) };
  }

  /** The plain secrets of an endpoint that verify deliveries now; one sealed under another key verifies nothing. */
  private async secretsOf(endpoint: WebhookEndpointRow): Promise<string[]> {
    const rows = await listLiveWebhookSecrets(this.db, endpoint.id);
    return rows.flatMap((row) => {
      try {
        return [this.box.open(row.sealed)];
      } catch (error) {
        if (error instanceof SecretBoxError) return [];
        throw error;
      }
    });
  }
}

function headerOf(headers: InboundDelivery['headers'], name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}
