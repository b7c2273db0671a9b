import Router from '@koa/router';
import { validateCreateRunRequest } from '@runq/contract';
import { findRun, listRunEvents, listRuns, type Db, type RunEventRow } from '@runq/db';
import { RunNotFoundError, toRunEnvelope } from '@runq/runs';
import { callerOf } from '../http/authenticate.js';
import { readJsonBody } from '../http/json-body.js';
import { HttpProblem } from '../http/problem.js';
import type { RunIngest } from './run-ingest.js';
import { encodeCursor, parseRunListQuery } from './list-query.js';

/** An event of a run's log as the API returns it. */
export function toRunEvent(event: RunEventRow) {
  return {
    seq: event.seq,
    run_id: event.run_id,
    from_status: event.from_status,
    to_status: event.to_status,
    attempt: event.attempt,
    at: event.at.toISOString(),
    data: event.data ?? null,
  };
}

/** Routes of the runs resource. */
export function runsRouter(deps: { db: Db; ingest: RunIngest; bodyLimitBytes: number }): Router {
  const router = new Router();

  /** The run, if the caller may see it; otherwise 404, whether or not it exists. */
  const findVisibleRun = async (runId: string, projectIds: readonly string[]) => {
    const run = await findRun(deps.db, runId, projectIds);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  };

  router.post('/runs', async (ctx) => {
    const body = await readJsonBody(ctx, deps.bodyLimitBytes);
    const validation = validateCreateRunRequest(body);
    if (!validation.ok) {
      throw new HttpProblem('validation_error', 'The request body does not match the POST /runs contract.', {
        errors: validation.errors,
      });
    }
    const { run, duplicate } = await deps.ingest.createRun(callerOf(ctx), validation.value);
    ctx.status = 202;
    ctx.body = {
      accepted: true,
      duplicate,
      run: toRunEnvelope(run),
      conversation_id: run.conversation_id,
      message_id: run.message_id,
    };
  });

  router.get('/runs', async (ctx) => {
    const filter = parseRunListQuery(ctx.query, callerOf(ctx).projectIds);
    const rows = await listRuns(deps.db, { ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    ctx.body = {
      data: page.map(toRunEnvelope),
      next_cursor: rows.length > filter.limit && last ? encodeCursor(last.id) : null,
    };
  });

  router.get('/runs/:run_id', async (ctx) => {
    const run = await findVisibleRun(ctx.params.run_id ?? '', callerOf(ctx).projectIds);
    ctx.body = toRunEnvelope(run);
  });

  router.get('/runs/:run_id/events', async (ctx) => {
    const run = await findVisibleRun(ctx.params.run_id ?? '', callerOf(ctx).projectIds);
    const events = await listRunEvents(deps.db, run.id);
    ctx.body = { data: events.map(toRunEvent) };
  });

  return router;
}
