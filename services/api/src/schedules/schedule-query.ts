import { RUN_KINDS, UUID_PATTERN } from '@runq/runs';
import { HttpProblem, type ProblemFieldError } from '../http/problem.js';

/** Encodes a keyset position (a row's time and id) as an opaque cursor. */
export function encodePageCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify({ at: at.toISOString(), id }), 'utf8').toString('base64url');
}

export function decodePageCursor(cursor: string): { at: Date; id: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { at?: unknown; id?: unknown };
    if (typeof value.at !== 'string' || typeof value.id !== 'string' || !UUID_PATTERN.test(value.id)) return undefined;
    const at = new Date(value.at);
    return Number.isNaN(at.getTime()) ? undefined : { at, id: value.id };
  } catch {
    return undefined;
  }
}

/** A page request of a schedules listing. */
export interface PageQuery {
  filters: { paused?: boolean; kind?: string };
  after: { at: Date; id: string } | undefined;
  limit: number;
}

/**
 * Parses `limit`, `cursor` and the filters named in `filters` (`paused`, `kind`); unknown and
 * repeated parameters are refused, every problem reported at once as `/query/<name>`.
 */
export function parsePage(query: Record<string, string | string[] | undefined>, filters: readonly ('paused' | 'kind')[]): PageQuery {
  const known = new Set<string>(['limit', 'cursor', ...filters]);
  const errors: ProblemFieldError[] = [];
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!known.has(name)) errors.push({ path: `/query/${name}`, message: 'is not a known parameter' });
    else if (Array.isArray(value)) errors.push({ path: `/query/${name}`, message: 'must be given once' });
    else if (value !== undefined) values[name] = value;
  }
  const limit = values['limit'];
  if (limit !== undefined && !(/^\d{1,3}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 100))
    errors.push({ path: '/query/limit', message: 'must be an integer from 1 to 100' });
  const cursor = values['cursor'];
  const after = cursor === undefined ? undefined : decodePageCursor(cursor);
  if (cursor !== undefined && !after) errors.push({ path: '/query/cursor', message: 'is not a cursor returned by this API' });
  const paused = values['paused'];
  if (paused !== undefined && paused !== 'true' && paused !== 'false') errors.push({ path: '/query/paused', message: 'must be true or false' });
  const kind = values['kind'];
  if (kind !== undefined && !(RUN_KINDS as readonly string[]).includes(kind))
    errors.push({ path: '/query/kind', message: `must be one of: ${RUN_KINDS.join(', ')}` });
  if (errors.length > 0) throw new HttpProblem('invalid_parameter', 'The query parameters are invalid.', { errors });
  return {
    filters: { ...(paused !== undefined ? { paused: paused === 'true' } : {}), ...(kind !== undefined ? { kind } : {}) },
    after,
    limit: limit === undefined ? 50 : Number(limit),
  };
}
