import { createHash } from 'node:crypto';
import { validateCreateRunRequest, type CreateRunRequest, type ValidationIssue } from '@runq/contract';
import type { WebhookEndpointRow } from '@runq/db';

/**
 * The `public_id` of the run a delivery creates: derived from the endpoint and the signed
 * `webhook-id` (hashed to a fixed length), so a redelivery, even a concurrent one, finds the
 * same run rather than creating a second.
 */
export function deliveryPublicId(endpointId: string, webhookId: string): string {
  return `webhook:${endpointId}:${createHash('sha256').update(webhookId).digest('base64url')}`;
}

/**
 * The `POST /runs` body of a delivery: the endpoint's template with the delivery's JSON body as
 * the run's input (`request.input`; a task, which has no input, gets it as `request.config`)
 * and the derived `public_id`, checked against the seed contract (docs/decisions/0020-inbound-webhooks.md).
 */
export function deliveryRunBody(
  template: Record<string, unknown>,
  input: unknown,
  publicId: string,
): { ok: true; value: CreateRunRequest } | { ok: false; errors: ValidationIssue[] } {
  const request = typeof template['request'] === 'object' && template['request'] !== null ? template['request'] : {};
  const field = template['kind'] === 'task' ? 'config' : 'input';
  const body = { ...template, public_id: publicId, request: { ...request, [field]: input } };
  const validation = validateCreateRunRequest(body);
  return validation.ok ? { ok: true, value: validation.value } : { ok: false, errors: validation.errors };
}

/** Checks a template: every issue against the seed contract, with paths under `/run`. */
export function templateIssues(template: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if ('public_id' in template) issues.push({ path: '/run/public_id', message: 'is not allowed: runq derives it from the delivery' });
  const { public_id: _ignored, ...rest } = template;
  const validation = validateCreateRunRequest(rest);
  if (!validation.ok) issues.push(...validation.errors.map((issue) => ({ path: `/run${issue.path}`, message: issue.message })));
  return issues;
}

/** The stored template of an endpoint. */
export function templateOf(endpoint: Pick<WebhookEndpointRow, 'run'>): Record<string, unknown> {
  return endpoint.run as Record<string, unknown>;
}
