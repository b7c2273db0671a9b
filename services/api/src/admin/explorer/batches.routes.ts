import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { findBatch, listDeadLetterGroups, listDeadLetters, listRecentBulkActions, type Db } from '@runq/db';
import type { BatchControl, BulkActionControl } from '@runq/engine';
import { BatchNotFoundError, UUID_PATTERN } from '@runq/runs';
import { isFilterText } from '../../runs/list-query.js';
import { batchPage, deadLettersPage } from './batch-pages.js';

/** Where a batch's progress page is served. */
export const BATCHES_EXPLORER_PATH = '/admin/batches';
/** Where the dead letters view is served. */
export const DEAD_LETTERS_PATH = '/admin/dead-letters';

/** Bulk actions the dead letters view lists, newest first. */
const RECENT_BULK_ACTIONS = 20;

/** The dead letters window when none is asked for, and the longest one. */
const DEFAULT_HOURS = 24;
const MAX_HOURS = 24 * 30;

function hoursOf(value: unknown): number {
  const hours = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(hours) && hours >= 1 && hours <= MAX_HOURS ? hours : DEFAULT_HOURS;
}

async function formOf(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.request.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' }));
}

/**
 * The operator's batch progress pages and dead letters view, server-rendered behind the admin
 * basic auth and its same-origin check. Replays go through the same services as the API's
 * `POST /runs/{id}/replay` (the run explorer's replay action) and `POST /bulk-actions`.
 */
export function batchesExplorerRouter(deps: { db: Db; batches: BatchControl; bulkActions: BulkActionControl }): Router {
  const router = new Router();

  router.get(`${BATCHES_EXPLORER_PATH}/:batch_id`, async (ctx) => {
    const id = String(ctx.params['batch_id'] ?? '').toLowerCase();
    const batch = UUID_PATTERN.test(id) ? await findBatch(deps.db, id, 'all') : undefined;
    if (!batch) throw new BatchNotFoundError(id);
    const progress = await deps.batches.progress(batch.id, [batch.project_id]);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = batchPage(progress, batch.project_id, batch.created_at).value;
  });

  router.get(DEAD_LETTERS_PATH, async (ctx) => {
    const hours = hoursOf(ctx.query['hours']);
    const since = new Date(Date.now() - hours * 3_600_000);
    const [groups, runs, actions] = await Promise.all([
      listDeadLetterGroups(deps.db, since),
      listDeadLetters(deps.db, since),
      listRecentBulkActions(deps.db, RECENT_BULK_ACTIONS),
    ]);
    const notice = typeof ctx.query['notice'] === 'string' ? ctx.query['notice'] : undefined;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = deadLettersPage(groups, runs, actions, hours, notice).value;
  });

  // A bulk replay of one project's failed runs in the view's window (with one error code, when
  // the form names one), as POST /bulk-actions starts it.
  router.post(`${DEAD_LETTERS_PATH}/replay`, async (ctx) => {
    const form = await formOf(ctx);
    const project = form.get('project') ?? '';
    const hours = hoursOf(form.get('hours'));
    const code = form.get('code');
    let notice: string;
    if (!UUID_PATTERN.test(project)) notice = 'project must be a UUID';
    else if (code !== null && !isFilterText(code)) notice = 'code must be 1 to 128 characters, without NUL';
    else {
      const now = Date.now();
      const action = await deps.bulkActions.create(
        { name: 'admin', projectIds: [project.toLowerCase()] },
        {
          action: 'replay',
          filter: {
            created_after: new Date(now - hours * 3_600_000).toISOString(),
            created_before: new Date(now).toISOString(),
            status: 'failed',
            ...(code === null ? {} : { error_code: code }),
          },
        },
      );
      notice = `Bulk replay ${action.id} started: ${action.matched} runs.`;
    }
    ctx.status = 303;
    ctx.redirect(`${DEAD_LETTERS_PATH}?hours=${hours}&notice=${encodeURIComponent(notice)}`);
  });

  return router;
}
