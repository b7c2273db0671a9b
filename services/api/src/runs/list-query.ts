import type { RunListFilter } from '@runq/db';
import { RUN_KINDS, RUN_STATUSES, type RunKind, type RunStatus } from '@runq/runs';
import { HttpProblem, type ProblemFieldError } from '../http/problem.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const KNOWN = new Set([
  'owner_kind',
  'owner_id',
  'kind',
  'status',
  'batch_id',
  'parent_run_id',
  'root_run_id',
  'created_after',
  'created_before',
  'limit',
  'cursor',
]);

/** Encodes the keyset position after `runId` as an opaque cursor. */
export function encodeCursor(runId: string): string {
  return Buffer.from(JSON.stringify({ before: runId }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const before = (value as { before?: unknown }).before;
    return typeof before === 'string' && before.length > 0 && before.length <= 128 ? before : undefined;
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
  const ownerId = check('owner_id', (v) => UUID.test(v), 'must be a UUID');
  const kind = check('kind', (v) => (RUN_KINDS as readonly string[]).includes(v), `must be one of: ${RUN_KINDS.join(', ')}`);
  const status = check('status', (v) => (RUN_STATUSES as readonly string[]).includes(v), `must be one of: ${RUN_STATUSES.join(', ')}`);
  const batchId = check('batch_id', (v) => UUID.test(v), 'must be a UUID');
  const idShape = (v: string): boolean => v.length >= 1 && v.length <= 128;
  const parentRunId = check('parent_run_id', idShape, 'must be 1 to 128 characters');
  const rootRunId = check('root_run_id', idShape, 'must be 1 to 128 characters');
  const isTime = (v: string): boolean => RFC3339.test(v) && !Number.isNaN(Date.parse(v));
  const createdAfter = check('created_after', isTime, 'must be an RFC 3339 date-time');
  const createdBefore = check('created_before', isTime, 'must be an RFC 3339 date-time');
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
    ...(parentRunId ? { parentRunId } : {}),
    ...(rootRunId ? { rootRunId } : {}),
    ...(createdAfter ? { createdAfter: new Date(createdAfter) } : {}),
    ...(createdBefore ? { createdBefore: new Date(createdBefore) } : {}),
    ...(cursor ? { beforeId: decodeCursor(cursor) } : {}),
    limit: limit ? Number(limit) : 50,
  };
}
