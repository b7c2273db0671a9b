import { signedHeaders } from '@runq/webhooks';
import type { TestApi } from './harness.js';

/** The example published with the Standard Webhooks specification. */
export const SPEC_VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

/** Now, in Unix seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** POSTs `body` to `/hooks/{id}` with `headers` (JSON content type unless given); the answer, its body parsed when JSON. */
export async function deliverHook(
  api: Pick<TestApi, 'url'>,
  id: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${api.url}/hooks/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the raw text is returned for the assertion to report.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** POSTs `body` signed with `secret` as delivery `webhookId` (timestamp now unless given). */
export function deliverSigned(
  api: Pick<TestApi, 'url'>,
  id: string,
  secret: string,
  webhookId: string,
  body: string,
  options: { timestamp?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  return deliverHook(api, id, body, { ...signedHeaders(secret, webhookId, options.timestamp ?? nowSeconds(), body), ...options.headers });
}
