import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { HttpProblem } from './problem.js';

/** Deepest nesting accepted in a JSON body: far beyond any real request, far below any stack limit. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isJsonContentType(ctx: Context): boolean {
  return ctx.request.is('application/json', 'application/*+json') !== false;
}

function rawBodyProblem(error: unknown, limitBytes: number): HttpProblem {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') {
    return new HttpProblem('payload_too_large', `The request body exceeds the limit of ${limitBytes} bytes.`);
  }
  if (type === 'request.size.invalid') {
    return new HttpProblem('invalid_json', 'The request body is shorter or longer than its Content-Length.');
  }
  return new HttpProblem('invalid_json', 'The request body could not be read.');
}

/**
 * Reads a request's JSON body: JSON media type (415 otherwise), UTF-8 only, at most
 * `limitBytes` (413, checked against Content-Length before reading), well-formed (400), and
 * storable as sent (see {@link findUnstorableValue}).
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  if (!ctx.request.type) {
    throw new HttpProblem('unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
  }
  if (!isJsonContentType(ctx)) {
    throw new HttpProblem('unsupported_media_type', `Content-Type ${ctx.request.type} is not supported; use application/json.`);
  }
  const charset = ctx.request.charset;
  if (charset && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
    throw new HttpProblem('unsupported_media_type', `Charset ${charset} is not supported; send UTF-8.`);
  }
  let raw: Buffer;
  try {
    const length = ctx.request.length;
    raw = await getRawBody(ctx.req, { limit: limitBytes, ...(length !== undefined ? { length } : {}) });
  } catch (error) {
    throw rawBodyProblem(error, limitBytes);
  }
  if (raw.length === 0) throw new HttpProblem('invalid_json', 'The request body is empty; a JSON document is required.');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new HttpProblem('invalid_json', 'The request body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpProblem('invalid_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  const issue = findUnstorableValue(value);
  if (issue) throw new HttpProblem('validation_error', 'The request body cannot be stored as sent.', { errors: [issue] });
  return value;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

// A lone UTF-16 surrogate: JSON.parse accepts "\ud800", but it is not a Unicode scalar value
// and Postgres refuses it in text and jsonb.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringIssue(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/**
 * The first value (as a JSON pointer and a message) that Postgres could not store as sent:
 * nesting deeper than {@link MAX_JSON_DEPTH}, NUL characters, unpaired surrogates, or a
 * number outside the double range (JSON.parse turns `1e999` into Infinity). Checked before
 * anything is written, so such a body is a 400, never a failed insert.
 */
export function findUnstorableValue(value: unknown, path = '', depth = 0): { path: string; message: string } | undefined {
  if (depth > MAX_JSON_DEPTH) return { path, message: `is nested more than ${MAX_JSON_DEPTH} levels deep` };
  if (typeof value === 'string') {
    const message = stringIssue(value);
    return message ? { path, message } : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { path, message: 'is a number too large to represent' };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const issue = findUnstorableValue(value[i], `${path}/${i}`, depth + 1);
      if (issue) return issue;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyMessage = stringIssue(key);
      if (keyMessage) return { path: `${path}/${escapePointer(key)}`, message: `has a property name that ${keyMessage}` };
      const issue = findUnstorableValue(item, `${path}/${escapePointer(key)}`, depth + 1);
      if (issue) return issue;
    }
  }
  return undefined;
}
