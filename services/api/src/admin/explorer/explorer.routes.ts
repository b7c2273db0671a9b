import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { findRun, listChildRuns, listHoldPlaces, listReplays, listRunEvents, listRuns, type Db } from '@runq/db';
import { isRunIdShape, RUN_KINDS, RUN_STATUSES, RunqError, UUID_PATTERN } from '@runq/runs';
import { HttpProblem } from '../../http/problem.js';
import type { RunControl, RunReplay } from '@runq/engine';
import { decodeCursor, encodeCursor } from '../../runs/list-query.js';
import { runPage, runsPage, type ExplorerFilter } from './pages.js';
import { webhookTriggerOf } from './webhooks.routes.js';

/** Where the run explorer is served. */
export const EXPLORER_PATH = '/admin/runs';

const PAGE_SIZE = 50;

function one(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/** The explorer's filters from the query string; invalid values are reported, not silently widened. */
function filterOf(query: Context['query']): { filter: ExplorerFilter; error?: string } {
  const filter: ExplorerFilter = {};
  const problems: string[] = [];
  const take = (name: keyof ExplorerFilter, valid: (value: string) => boolean, problem: string, normalise = (v: string) => v) => {
    const value = one(query[name]);
    if (value === undefined) return;
    if (valid(value)) filter[name] = normalise(value);
    else problems.push(problem);
  };
  take(
    'project',
    (v) => UUID_PATTERN.test(v),
    'project must be a UUID',
    (v) => v.toLowerCase(),
  );
  take('kind', (v) => (RUN_KINDS as readonly string[]).includes(v), 'unknown kind');
  take('status', (v) => (RUN_STATUSES as readonly string[]).includes(v), 'unknown status');
  take(
    'batch',
    (v) => UUID_PATTERN.test(v),
    'batch must be a UUID',
    (v) => v.toLowerCase(),
  );
  return problems.length > 0 ? { filter, error: problems.join('; ') } : { filter };
}

async function formOf(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.request.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  const raw = await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' });
  return new URLSearchParams(raw);
}

/**
 * The operator's run explorer, server-rendered: recent runs across all projects with filters
 * and keyset pagination, and a page per run with its tree, timeline and logs, and cancel and
 * resume actions that go through the same `RunControl` as the API. Mounted behind the admin
 * basic auth and its same-origin check.
 */
export function explorerRouter(deps: { db: Db; control: RunControl; replays: RunReplay }): Router {
  const router = new Router({ prefix: EXPLORER_PATH });

  const loadRun = async (ctx: Context) => {
    const id = String(ctx['params']?.run_id ?? '');
    const run = isRunIdShape(id) ? await findRun(deps.db, id) : undefined;
    if (!run) throw new HttpProblem('run_not_found', `Run ${id} was not found.`);
    return run;
  };
  /** An operator acts within the run's own project (descendants elsewhere are left alone, as for API callers). */
  const operatorFor = (projectId: string) => ({ kind: 'api_key' as const, name: 'admin', projectIds: [projectId] });

  router.get('/', async (ctx) => {
    const { filter, error } = filterOf(ctx.query);
    const cursor = one(ctx.query['cursor']);
    const beforeId = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await listRuns(deps.db, {
      projectIds: filter.project ? [filter.project] : 'all',
      ...(filter.kind ? { kind: filter.kind as never } : {}),
      ...(filter.status ? { status: filter.status as never } : {}),
      ...(filter.batch ? { batchId: filter.batch } : {}),
      ...(beforeId ? { beforeId } : {}),
      limit: PAGE_SIZE + 1,
    });
    const page = rows.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = runsPage(page, filter, rows.length > PAGE_SIZE && last ? encodeCursor(last.id) : null, error).value;
  });

  router.get('/:run_id', async (ctx) => {
    const run = await loadRun(ctx);
    const [events, children, holdPlaces, trigger, replays] = await Promise.all([
      listRunEvents(deps.db, run.id),
      listChildRuns(deps.db, run.id),
      run.status === 'pending' ? listHoldPlaces(deps.db, run.id) : [],
      run.trigger_kind === 'webhook' ? webhookTriggerOf(deps.db, run.trigger_id) : undefined,
      listReplays(deps.db, run.id),
    ]);
    const notice = one(ctx.query['notice']);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = runPage(run, events, children, holdPlaces, notice, trigger, replays).value;
  });

  const act = async (ctx: Context, action: (projectId: string, runId: string) => Promise<unknown>, done: string) => {
    const run = await loadRun(ctx);
    let notice = done;
    try {
      await action(run.project_id, run.id);
    } catch (error) {
      if (!(error instanceof RunqError)) throw error;
      notice = error.message;
    }
    ctx.status = 303;
    ctx.redirect(`${EXPLORER_PATH}/${run.id}?notice=${encodeURIComponent(notice)}`);
  };

  router.post('/:run_id/cancel', (ctx) => act(ctx, (projectId, runId) => deps.control.cancel(operatorFor(projectId), runId), 'Run cancelled.'));

  // The same replay as POST /runs/{id}/replay; the operator lands on the new run.
  router.post('/:run_id/replay', async (ctx) => {
    const run = await loadRun(ctx);
    try {
      const { run: replay } = await deps.replays.replay(operatorFor(run.project_id), run.id);
      ctx.status = 303;
      ctx.redirect(`${EXPLORER_PATH}/${replay.id}?notice=${encodeURIComponent(`Replay of ${run.id}.`)}`);
    } catch (error) {
      if (!(error instanceof RunqError)) throw error;
      ctx.status = 303;
      ctx.redirect(`${EXPLORER_PATH}/${run.id}?notice=${encodeURIComponent(error.message)}`);
    }
  });

  router.post('/:run_id/resume', async (ctx) => {
    const form = await formOf(ctx);
    let data: unknown = null;
    try {
      data = JSON.parse(form.get('data') ?? 'null');
    } catch {
      const run = await loadRun(ctx);
      ctx.status = 303;
      ctx.redirect(`${EXPLORER_PATH}/${run.id}?notice=${encodeURIComponent('Resume data must be JSON.')}`);
      return;
    }
    await act(ctx, (projectId, runId) => deps.control.resume(operatorFor(projectId), runId, data), 'Run resumed.');
  });

  return router;
}
