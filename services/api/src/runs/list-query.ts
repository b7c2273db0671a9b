import type { RunListFilter } from '@runq/db';
import { RUN_KINDS, RUN_STATUSES, isRunIdShape, type RunKind, type RunStatus, UUID_PATTERN } from '@runq/runs';
import { HttpProblem, type ProblemFieldError } from '../http/problem.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * An RFC 3339 date-time that names a real instant. `Date.parse` alone rolls impossible dates
 * over (2026-02-30 becomes March 2), so the fields are range-checked first.
 */
function isDateTime(value: string): boolean {
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = match[9] === undefined || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk && !Number.isNaN(Date.parse(value))
  );
}
/** The filters of `GET /runs` (not its page: `limit`, `cursor`); bulk actions take the same. */
export const RUN_FILTERS = [
  'owner_kind',
  'owner_id',
  'kind',
  'status',
  'batch_id',
  'schedule_id',
  'parent_run_id',
  'root_run_id',
  'error_code',
  'created_after',
  'created_before',
] as const;
const KNOWN = new Set<string>([...RUN_FILTERS, 'limit', 'cursor']);

/**
 * A run id or error code as a filter takes it: 1 to 128 characters (as `POST /runs/{id}/fail`
 * takes an error code), without NUL, which Postgres text cannot hold (such a value would fail
 * the query instead of matching nothing).
 */
export function isFilterText(value: string): boolean {
  return value.length >= 1 && value.length <= 128 && !value.includes('\u0000');
}

/** Encodes the keyset position after `runId` as an opaque cursor. */
export function encodeCursor(runId: string): string {
  return Buffer.from(JSON.stringify({ before: runId }), 'utf8').toString('base64url');
}

/** The run id a cursor points after, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): string | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const before = (value as { before?: unknown }).before;
    return typeof before === 'string' && isRunIdShape(before) ? before : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses the query string of `GET /runs` into a store filter. Every problem is reported at
 * once, as `/query/<name>` pointers; unknown and repeated parameters are refused so a typo
 * never silently widens a listing.
 */
export function parseRunListQuery(query: Record<string, string | string[] | undefined>, projectIds: readonly string[]): RunListFilter {
  const errors: ProblemFieldError[] = [];
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!KNOWN.has(name)) errors.push({ path: `/query/${name}`, message: 'is not a known parameter' });
    else if (Array.isArray(value)) errors.push({ path: `/query/${name}`, message: 'must be given once' });
    else if (value !== undefined) values[name] = value;
  }
  const check = (name: string, ok: (value: string) => boolean, message: string): string | undefined => {
    const value = values[name];
    if (value === undefined) return undefined;
    if (ok(value)) return value;
    errors.push({ path: `/query/${name}`, message });
    return undefined;
  };
  const ownerKind = check('owner_kind', (v) => v === 'project' || v === 'conversation', 'must be one of: project, conversation');
  const ownerId = check('owner_id', (v) => UUID_PATTERN.test(v), 'must be a UUID');
  const kind = check('kind', (v) => (RUN_KINDS as readonly string[]).includes(v), `must be one of: ${RUN_KINDS.join(', ')}`);
  const status = check('status', (v) => (RUN_STATUSES as readonly string[]).includes(v), `must be one of: ${RUN_STATUSES.join(', ')}`);
  const batchId = check('batch_id', (v) => UUID_PATTERN.test(v), 'must be a UUID');
  const scheduleId = check('schedule_id', (v) => UUID_PATTERN.test(v), 'must be a UUID');
  const parentRunId = check('parent_run_id', isFilterText, 'must be 1 to 128 characters, without NUL');
  const rootRunId = check('root_run_id', isFilterText, 'must be 1 to 128 characters, without NUL');
  const errorCode = check('error_code', isFilterText, 'must be 1 to 128 characters, without NUL');
  const createdAfter = check('created_after', isDateTime, 'must be an RFC 3339 date-time');
  const createdBefore = check('created_before', isDateTime, 'must be an RFC 3339 date-time');
  const limit = check('limit', (v) => /^\d{1,3}$/.test(v) && Number(v) >= 1 && Number(v) <= 100, 'must be an integer from 1 to 100');
  const cursor = check('cursor', (v) => decodeCursor(v) !== undefined, 'is not a cursor returned by this API');
  if (errors.length > 0) throw new HttpProblem('invalid_parameter', 'The query parameters are invalid.', { errors });
  return {
    projectIds,
    ...(ownerKind ? { ownerKind: ownerKind as 'project' | 'conversation' } : {}),
    ...(ownerId ? { ownerId: ownerId.toLowerCase() } : {}),
    ...(kind ? { kind: kind as RunKind } : {}),
    ...(status ? { status: status as RunStatus } : {}),
    ...(batchId ? { batchId: batchId.toLowerCase() } : {}),
    ...(scheduleId ? { scheduleId: scheduleId.toLowerCase() } : {}),
    ...(parentRunId ? { parentRunId } : {}),
    ...(rootRunId ? { rootRunId } : {}),
    ...(errorCode ? { errorCode } : {}),
    ...(createdAfter ? { createdAfter: new Date(createdAfter) } : {}),
    ...(createdBefore ? { createdBefore: new Date(createdBefore) } : {}),
    ...(cursor ? { beforeId: decodeCursor(cursor) } : {}),
    limit: limit ? Number(limit) : 50,
  };
}
