import { UUID_PATTERN } from '@runq/runs';
import Router from '@koa/router';
import type { Context } from 'koa';
import { findSchedule, listLatestOccurrences, listOccurrences, listSchedules, type Db } from '@runq/db';
import { HttpProblem } from '../../http/problem.js';
import { decodePageCursor, encodePageCursor } from '../../schedules/schedule-query.js';
import { schedulePage, schedulesPage } from './schedule-pages.js';

/** Where the schedules explorer is served. */
export const SCHEDULES_EXPLORER_PATH = '/admin/schedules';

const PAGE_SIZE = 50;

function one(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/** A keyset cursor of these pages (a time and a UUID), or undefined when it is not one. */
function cursorOf(ctx: Context): { at: Date; id: string } | undefined {
  const cursor = one(ctx.query['cursor']);
  return cursor === undefined ? undefined : decodePageCursor(cursor);
}

/**
 * The operator's schedules explorer, server-rendered: every project's schedules with their
 * next fire time, last outcome and whether paused, and a page per schedule with its occurrences
 * linked to their runs. Mounted behind the admin basic auth like the run explorer.
 */
export function schedulesExplorerRouter(deps: { db: Db }): Router {
  const router = new Router({ prefix: SCHEDULES_EXPLORER_PATH });

  router.get('/', async (ctx) => {
    const project = one(ctx.query['project']);
    const valid = project === undefined || UUID_PATTERN.test(project);
    const after = cursorOf(ctx);
    const rows = await listSchedules(deps.db, {
      projectIds: valid && project ? [project.toLowerCase()] : 'all',
      ...(after ? { before: { createdAt: after.at, id: after.id } } : {}),
      limit: PAGE_SIZE + 1,
    });
    const page = rows.slice(0, PAGE_SIZE);
    const latest = new Map(
      (
        await listLatestOccurrences(
          deps.db,
          page.map((row) => row.id),
        )
      ).map((row) => [row.schedule_id, row]),
    );
    const last = page.at(-1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = schedulesPage(
      page,
      latest,
      valid ? project : undefined,
      rows.length > PAGE_SIZE && last ? encodePageCursor(last.created_at, last.id) : null,
      valid ? undefined : 'project must be a UUID',
    ).value;
  });

  router.get('/:schedule_id', async (ctx) => {
    const id = String(ctx.params['schedule_id'] ?? '');
    const schedule = UUID_PATTERN.test(id) ? await findSchedule(deps.db, id.toLowerCase(), 'all') : undefined;
    if (!schedule) throw new HttpProblem('schedule_not_found', `Schedule ${id} was not found.`);
    const after = cursorOf(ctx);
    const rows = await listOccurrences(deps.db, schedule.id, { ...(after ? { before: { scheduledFor: after.at, id: after.id } } : {}), limit: PAGE_SIZE + 1 });
    const page = rows.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = schedulePage(schedule, page, rows.length > PAGE_SIZE && last ? encodePageCursor(last.scheduled_for, last.id) : null).value;
  });

  return router;
}
