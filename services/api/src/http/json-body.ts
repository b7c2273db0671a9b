import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { validateRouteBody, type RouteBodies } from '@runq/contract';
import { findUnstorableValue } from '@runq/db';
import { HttpProblem } from './problem.js';

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

/**
 * Reads the JSON body of one of runq's own routes and validates it against its schema
 * (`RouteBodies`): a `validation_error` problem listing every issue when it does not match.
 */
export async function readRouteBody<N extends keyof RouteBodies>(ctx: Context, name: N, limitBytes: number): Promise<RouteBodies[N]> {
  const validation = validateRouteBody(name, await readJsonBody(ctx, limitBytes));
  if (!validation.ok) throw new HttpProblem('validation_error', 'The request body is invalid.', { errors: validation.errors });
  return validation.value;
}
