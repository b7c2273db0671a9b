import Router from '@koa/router';
import type { BulkActionRow } from '@runq/db';
import type { BulkActionControl, BulkActionFilter } from '@runq/engine';
import { BulkActionNotFoundError, UUID_PATTERN } from '@runq/runs';
import { callerOf } from '../http/authenticate.js';
import { readJsonBody } from '../http/json-body.js';
import { HttpProblem, type ProblemFieldError } from '../http/problem.js';
import { parseRunListQuery, RUN_FILTERS } from '../runs/list-query.js';

const ACTIONS = ['cancel', 'replay'] as const;
/** The creation window every bulk action must name, so it never covers more than the caller meant. */
const REQUIRED_FILTERS = ['created_after', 'created_before'] as const;
/** `Idempotency-Key`: printable ASCII, as other APIs take it. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The API's representation of a bulk action and its progress. */
export function toBulkActionBody(action: BulkActionRow) {
  return {
    id: action.id,
    action: action.action,
    filter: action.filter,
    status: action.status,
    matched: action.matched,
    processed: action.processed,
    succeeded: action.succeeded,
    failed: action.failed,
    cursor: action.cursor_id,
    error: action.error,
    created_at: action.created_at.toISOString(),
    updated_at: action.updated_at.toISOString(),
  };
}

/** Routes of bulk actions: cancel or replay the runs a `GET /runs` filter matches within a required window. */
export function bulkActionsRouter(deps: { bulkActions: BulkActionControl; bodyLimitBytes: number }): Router {
  const router = new Router();

  router.param('bulk_action_id', (id, ctx, next) => {
    if (!UUID_PATTERN.test(id)) throw new BulkActionNotFoundError(id);
    return next();
  });

  router.post('/bulk-actions', async (ctx) => {
    const body = await readJsonBody(ctx, deps.bodyLimitBytes);
    const caller = callerOf(ctx);
    const request = parseBulkActionBody(body, caller.projectIds);
    const idempotencyKey = ctx.get('Idempotency-Key') || undefined;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new HttpProblem('invalid_parameter', 'The Idempotency-Key header is invalid.', {
        errors: [{ path: '/headers/idempotency-key', message: 'must be 1 to 255 printable ASCII characters' }],
      });
    }
    if (request.dryRun) {
      ctx.body = { matched: await deps.bulkActions.count(caller, request.filter) };
      return;
    }
    const action = await deps.bulkActions.create(caller, { action: request.action, filter: request.filter, id: request.id, idempotencyKey });
    ctx.status = 202;
    ctx.body = toBulkActionBody(action);
  });

  router.get('/bulk-actions/:bulk_action_id', async (ctx) => {
    ctx.body = toBulkActionBody(await deps.bulkActions.get(callerOf(ctx), ctx.params.bulk_action_id ?? ''));
  });

  router.post('/bulk-actions/:bulk_action_id/abort', async (ctx) => {
    ctx.body = toBulkActionBody(await deps.bulkActions.abort(callerOf(ctx), ctx.params.bulk_action_id ?? ''));
  });

  return router;
}

/** A `POST /bulk-actions` body, checked: every problem at once, as `/<field>` pointers. */
function parseBulkActionBody(
  body: unknown,
  projectIds: readonly string[],
): { action: (typeof ACTIONS)[number]; filter: BulkActionFilter; dryRun: boolean; id: string | undefined } {
  const fail = (errors: ProblemFieldError[]) => new HttpProblem('validation_error', 'The request body is invalid.', { errors });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail([{ path: '', message: 'must be an object' }]);
  const fields = body as Record<string, unknown>;
  const errors: ProblemFieldError[] = [];
  for (const name of Object.keys(fields)) {
    if (!['action', 'filter', 'dry_run', 'id'].includes(name)) errors.push({ path: `/${name}`, message: 'is not a known field' });
  }
  const action = fields['action'];
  if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) errors.push({ path: '/action', message: `must be one of: ${ACTIONS.join(', ')}` });
  const dryRun = fields['dry_run'];
  if (dryRun !== undefined && typeof dryRun !== 'boolean') errors.push({ path: '/dry_run', message: 'must be a boolean' });
  const id = fields['id'];
  if (id !== undefined && (typeof id !== 'string' || !UUID_PATTERN.test(id))) errors.push({ path: '/id', message: 'must be a UUID' });
  const filter = fields['filter'];
  const values: Record<string, string> = {};
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    errors.push({ path: '/filter', message: 'is required: an object of GET /runs filters with created_after and created_before' });
  } else {
    for (const [name, value] of Object.entries(filter)) {
      if (!(RUN_FILTERS as readonly string[]).includes(name)) errors.push({ path: `/filter/${name}`, message: 'is not a known filter' });
      else if (typeof value !== 'string') errors.push({ path: `/filter/${name}`, message: 'must be a string' });
      else values[name] = value;
    }
    for (const name of REQUIRED_FILTERS) {
      if (!(name in filter)) errors.push({ path: `/filter/${name}`, message: 'is required: a bulk action names its creation window' });
    }
    // The values are checked as GET /runs checks them.
    try {
      parseRunListQuery(values, projectIds);
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      errors.push(...(error.extras.errors ?? []).map((issue) => ({ ...issue, path: issue.path.replace(/^\/query\//, '/filter/') })));
    }
  }
  if (errors.length > 0) throw fail(errors);
  return { action: action as (typeof ACTIONS)[number], filter: values as unknown as BulkActionFilter, dryRun: dryRun === true, id: id as string | undefined };
}
