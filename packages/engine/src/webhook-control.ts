import { randomUUID } from 'node:crypto';
import type { WebhookBody, WebhookPatchBody } from '@runq/contract';
import {
  deleteWebhookEndpoint,
  expireWebhookSecrets,
  findConversation,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  insertWebhookSecret,
  listInboundDeliveries,
  listLiveWebhookSecrets,
  listLiveWebhookSecretsOf,
  listWebhookEndpoints,
  toJson,
  updateWebhookEndpoint,
  type Db,
  type WebhookEndpointListFilter,
  type WebhookEndpointRow,
  type WebhookEndpointSecretRow,
  type WebhookInboundDeliveryRow,
} from '@runq/db';
import { ConversationNotFoundError, ProjectNotFoundError, WebhookKeyTakenError, WebhookNotFoundError } from '@runq/runs';
import { generateSecret, type SecretBox } from '@runq/webhooks';
import type { RunActor } from './run-control.js';

/** How long the secrets a rotation replaces keep verifying deliveries. */
export const ROTATION_OVERLAP_SECONDS = 24 * 60 * 60;

/** An endpoint with the secrets that verify its deliveries now. */
export interface WebhookEndpoint {
  endpoint: WebhookEndpointRow;
  secrets: WebhookEndpointSecretRow[];
}

/** An endpoint and a secret just generated for it, in its shown form (the only time it is shown). */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

/**
 * The inbound webhook endpoints of a project (`/webhooks`): created, read, changed, rotated and
 * deleted for an actor, scoped to its projects (another project's endpoint is
 * {@link WebhookNotFoundError}). Secrets are stored sealed; the shown form leaves only in the
 * answer that creates it. Run templates are checked against the seed contract by the caller.
 */
export class WebhookControl {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** Creates an endpoint with a new secret (its `key`, when given, unique in the project: {@link WebhookKeyTakenError}). */
  async create(actor: RunActor, body: WebhookBody): Promise<WebhookEndpointWithSecret> {
    return this.db.transaction().execute(async (trx) => {
      const projectId = await projectOf(trx, actor, body.run);
      const id = randomUUID();
      const endpoint = await insertWebhookEndpoint(trx, {
        id,
        project_id: projectId,
        key: body.key ?? null,
        name: body.name,
        run: toJson(body.run),
        paused: body.paused ?? false,
        created_by: actor.name,
      });
      if (!endpoint) throw new WebhookKeyTakenError(body.key ?? '');
      const secret = generateSecret();
      await insertWebhookSecret(trx, { id: randomUUID(), endpoint_id: id, sealed: this.box.seal(secret) });
      return { endpoint, secret, secrets: await listLiveWebhookSecrets(trx, id) };
    });
  }

  /** The endpoint `id` of one of the actor's projects, with its live secrets. */
  async get(actor: RunActor, id: string): Promise<WebhookEndpoint> {
    const endpoint = await findWebhookEndpoint(this.db, id, actor.projectIds);
    if (!endpoint) throw new WebhookNotFoundError(id);
    return { endpoint, secrets: await listLiveWebhookSecrets(this.db, id) };
  }

  /** The actor's endpoints, newest first. */
  async list(actor: RunActor, filter: Omit<WebhookEndpointListFilter, 'projectIds'>): Promise<WebhookEndpoint[]> {
    const endpoints = await listWebhookEndpoints(this.db, { ...filter, projectIds: actor.projectIds });
    const secrets = await listLiveWebhookSecretsOf(
      this.db,
      endpoints.map((endpoint) => endpoint.id),
    );
    return endpoints.map((endpoint) => ({ endpoint, secrets: secrets.filter((secret) => secret.endpoint_id === endpoint.id) }));
  }

  /** Changes an endpoint's name, template or paused state; a template stays in the endpoint's project. */
  async update(actor: RunActor, id: string, patch: WebhookPatchBody): Promise<WebhookEndpoint> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await findWebhookEndpoint(trx, id, actor.projectIds, { forUpdate: true });
      if (!existing) throw new WebhookNotFoundError(id);
      if (patch.run !== undefined && (await projectOf(trx, actor, patch.run)) !== existing.project_id) {
        throw new ProjectNotFoundError((patch.run['owner'] as { id: string }).id.toLowerCase());
      }
      const endpoint = await updateWebhookEndpoint(trx, id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.run !== undefined ? { run: toJson(patch.run) } : {}),
        ...(patch.paused !== undefined ? { paused: patch.paused } : {}),
      });
      return { endpoint, secrets: await listLiveWebhookSecrets(trx, id) };
    });
  }

  /** Deletes an endpoint with its secrets and deliveries; the runs it created stay. */
  async delete(actor: RunActor, id: string): Promise<void> {
    if (!(await deleteWebhookEndpoint(this.db, id, actor.projectIds))) throw new WebhookNotFoundError(id);
  }

  /** Adds a new secret; the endpoint's other secrets keep verifying for {@link ROTATION_OVERLAP_SECONDS}. */
  async rotateSecret(actor: RunActor, id: string): Promise<WebhookEndpointWithSecret> {
    return this.db.transaction().execute(async (trx) => {
      const endpoint = await findWebhookEndpoint(trx, id, actor.projectIds, { forUpdate: true });
      if (!endpoint) throw new WebhookNotFoundError(id);
      await expireWebhookSecrets(trx, id, ROTATION_OVERLAP_SECONDS);
      const secret = generateSecret();
      await insertWebhookSecret(trx, { id: randomUUID(), endpoint_id: id, sealed: this.box.seal(secret) });
      return { endpoint, secret, secrets: await listLiveWebhookSecrets(trx, id) };
    });
  }

  /** A page of an endpoint's deliveries, latest first. */
  async deliveries(actor: RunActor, id: string, page: { before?: { receivedAt: Date; id: string }; limit: number }): Promise<WebhookInboundDeliveryRow[]> {
    const endpoint = await findWebhookEndpoint(this.db, id, actor.projectIds);
    if (!endpoint) throw new WebhookNotFoundError(id);
    return listInboundDeliveries(this.db, id, page);
  }
}

/** The project whose runs an endpoint creates: the template owner's (the actor's, or 404). */
async function projectOf(db: Db, actor: RunActor, run: Record<string, unknown>): Promise<string> {
  const owner = run['owner'] as { kind: string; id: string };
  const ownerId = owner.id.toLowerCase();
  if (owner.kind === 'project') {
    if (!actor.projectIds.includes(ownerId)) throw new ProjectNotFoundError(ownerId);
    return ownerId;
  }
  const conversation = await findConversation(db, ownerId, actor.projectIds);
  if (!conversation) throw new ConversationNotFoundError(ownerId);
  return conversation.project_id;
}
