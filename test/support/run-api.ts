import { problemTypeUri, type ProblemCode } from '@runq/api';
import { validateCreateRunResponse } from '@runq/contract';
import { RunQueues } from '@runq/queue';
import { requestJson, type TestApi } from './harness.js';

/** A response as {@link requestJson} returns it. */
export type JsonResponse = { status: number; headers: Headers; body: any };

/**
 * Asserts that a `POST /runs` answer is a 202 whose body matches the contract's 202 schema
 * (`validateCreateRunResponse`); every 202 of the integration suites goes through here.
 */
export function expectCreateRunResponse(response: JsonResponse): void {
  if (response.status !== 202) {
    throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  expect(response.headers.get('content-type')).toMatch(/^application\/json(;|$)/);
  const result = validateCreateRunResponse(response.body);
  if (!result.ok) {
    throw new Error(`the 202 body does not match the contract: ${JSON.stringify(result.errors)}\n${JSON.stringify(response.body)}`);
  }
  expect(response.body.accepted).toBe(true);
}

/** Posts a run body to the API at `baseUrl`; a 202 answer is checked against the contract's 202 schema. */
export async function postRunAt(baseUrl: string, key: string | undefined, body: unknown, headers?: Record<string, string>): Promise<JsonResponse> {
  const response = await requestJson(baseUrl, 'POST', '/runs', {
    ...(key ? { key } : {}),
    body,
    ...(headers ? { headers } : {}),
  });
  if (response.status === 202) expectCreateRunResponse(response);
  return response;
}

/** Posts a run body to a test API; a 202 answer is checked against the contract's 202 schema. */
export async function postRun(api: TestApi, key: string | undefined, body: unknown, headers?: Record<string, string>): Promise<JsonResponse> {
  return postRunAt(api.url, key, body, headers);
}

/** Posts a run body that must be accepted; returns the 202 body (checked against the contract). */
export async function createRun(api: TestApi, key: string, body: unknown): Promise<any> {
  const response = await postRun(api, key, body);
  expectCreateRunResponse(response);
  return response.body;
}

/**
 * True when `body` is an RFC 9457 problem document as runq writes it: `type`, `title`,
 * `status` (equal to the HTTP status) and `detail`, and well-formed `errors` when present.
 */
export function isProblemDocument(body: unknown, status: number): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const doc = body as Record<string, unknown>;
  if (typeof doc['type'] !== 'string' || typeof doc['title'] !== 'string' || typeof doc['detail'] !== 'string') return false;
  if (doc['status'] !== status) return false;
  const errors = doc['errors'];
  if (errors === undefined) return true;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) => typeof e === 'object' && e !== null && typeof e.path === 'string' && typeof e.message === 'string')
  );
}

/**
 * Asserts an `application/problem+json` answer with `status` (and, when given, the problem
 * code's `type` URI).
 */
export function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code?: ProblemCode): void {
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json(;|$)/);
  expect(isProblemDocument(response.body, status)).toBe(true);
  if (code) expect(response.body.type).toBe(problemTypeUri(code));
}

/** Asserts a 400 problem whose `errors` has an entry at `path` (and, when given, a message matching `message`). */
export function expectFieldError(response: JsonResponse, path: string, message?: RegExp): void {
  expectProblem(response, 400);
  const errors = response.body.errors as { path: string; message: string }[] | undefined;
  const hit = errors?.find((e) => e.path === path && (message === undefined || message.test(e.message)));
  if (!hit) throw new Error(`no error at ${path}${message ? ` matching ${message}` : ''}: ${JSON.stringify(response.body)}`);
}

/** Opens the test API's queues (same backend, connection and prefix) to look at what was enqueued. */
export function openTestQueues(api: TestApi): RunQueues {
  return RunQueues.open({ databaseUrl: api.config.databaseUrl, redisUrl: api.config.redisUrl, prefix: api.config.queuePrefix });
}

/** Rows of `table` in the test API's database (optionally only those whose `column` equals `value`). */
export async function countRows(
  api: TestApi,
  table: 'runs' | 'run_events' | 'conversations' | 'messages' | 'api_keys',
  where?: { column: string; value: unknown },
): Promise<number> {
  let query = api.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n'));
  if (where) query = query.where(where.column as never, '=', where.value as never);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The prefix of an API key token (`vf_<prefix>_<secret>`), as recorded in `created_by`. */
export function keyPrefix(token: string): string {
  const prefix = /^vf_([a-z0-9]+)_/.exec(token)?.[1];
  if (!prefix) throw new Error('not an API key token');
  return prefix;
}
