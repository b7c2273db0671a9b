import { validateCreateRunResponse } from '@runq/contract';
import { isProblemDocument } from '../../support/run-api.js';

/** A response as the fuzz suites read it. */
export interface FuzzAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Traces of internals that must never reach a client: stack frames, SQL, driver messages, file paths. */
const LEAKS =
  /\bat [^\s]+ \(|node_modules|\.ts:\d+|\.js:\d+|\bselect\s.+\sfrom\b|\binsert into\b|\bupdate\s+"?runs"?\s+set\b|syntax error at|pg_[a-z_]+\(|duplicate key value|violates .* constraint|ECONNREFUSED/i;

/**
 * What is wrong with an answer of the API to anything at all; undefined when nothing:
 * - never a 5xx;
 * - every 4xx an `application/problem+json` RFC 9457 document whose `status` is the HTTP status,
 *   with `WWW-Authenticate` on 401, `Allow` on 405 and `Retry-After` on 429;
 * - a 202 of `POST /runs` matches the contract's 202 schema, any other 202 is a JSON object;
 * - no header a client put in a value (CR/LF injection), and nothing internal in the body
 *   beyond what the client itself `sent` (a refusal may quote it).
 */
export function answerProblem(answer: FuzzAnswer, route: string, sent: readonly string[] = []): string | undefined {
  const { status, headers, text } = answer;
  const where = `${route} -> ${status} ${text.slice(0, 300)}`;
  if (status >= 500) return `server error: ${where}`;
  if (headers.has('x-injected') || headers.has('set-cookie')) return `a header was injected: ${where}`;
  // A HEAD answer has no body to check.
  if (route.startsWith('HEAD ')) return undefined;
  // What the client sent may come back quoted in a detail; only what it did not send can be a leak.
  let own = text;
  for (const value of sent) {
    if (value.length < 3) continue;
    // Quoted as sent, as a JSON string, or percent-encoded (a problem's `instance` is the path).
    for (const form of [value, JSON.stringify(value).slice(1, -1), ...percentEncoded(value)]) own = own.replaceAll(form, '');
  }
  if (LEAKS.test(own) && !route.startsWith('GET /openapi.json') && !route.startsWith('GET /metrics')) return `internals leaked: ${where}`;
  if (status >= 400) {
    if (!/^application\/problem\+json/.test(headers.get('content-type') ?? '')) return `a refusal without a problem document: ${where}`;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `a problem document that is not JSON: ${where}`;
    }
    if (!isProblemDocument(body, status)) return `an invalid problem document: ${where}`;
    if (status === 401 && !headers.get('www-authenticate')) return `401 without WWW-Authenticate: ${where}`;
    if (status === 405 && !headers.get('allow')) return `405 without Allow: ${where}`;
    if (status === 429 && !headers.get('retry-after')) return `429 without Retry-After: ${where}`;
    return undefined;
  }
  if (status === 202) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `a 202 that is not JSON: ${where}`;
    }
    // Only POST /runs answers with the create-run envelope; other 202s (a batch, a replay, a bulk action) are JSON objects of their own shape.
    if (!/^POST \/runs[ ?]/.test(route))
      return typeof body === 'object' && body !== null && !Array.isArray(body) ? undefined : `a 202 that is not a JSON object: ${where}`;
    const result = validateCreateRunResponse(body);
    if (!result.ok) return `a 202 that breaks the contract (${JSON.stringify(result.errors)}): ${where}`;
  }
  return undefined;
}

/** Every string in a JSON value, keys included (a refusal may quote any of them, e.g. as the path of a field). */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [key, ...stringsOf(item)]);
}

/**
 * The pieces of a header value a refusal may quote on their own: `type/subtype; name=value`
 * gives the media type (what `ctx.request.type` reports) and each parameter's name and value.
 */
export function headerParts(value: string): string[] {
  return value
    .split(';')
    .flatMap((part) => [part, ...part.split('=')])
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `value` percent-encoded as a path segment and as a path; nothing for a lone surrogate, which cannot be encoded. */
function percentEncoded(value: string): string[] {
  try {
    return [encodeURIComponent(value), encodeURI(value)];
  } catch {
    return [];
  }
}

/** True when an HTTP client (fetch) can send `value` as a header value: visible latin-1, inner spaces and tabs. */
export function isSendableHeaderValue(value: string): boolean {
  return /^[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/.test(value);
}
