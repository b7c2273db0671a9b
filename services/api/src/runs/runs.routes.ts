import Router from '@koa/router';
import { validateCreateRunRequest, type RouteBodies } from '@runq/contract';
import { findRun, listRunEvents, listRuns, type Db } from '@runq/db';
import type { RunControl, RunIngest } from '@runq/engine';
import { RunNotFoundError, isRunIdShape, toRunEnvelope } from '@runq/runs';
import type { Context } from 'koa';
import { callerOf } from '../http/authenticate.js';
import { readJsonBody, readRouteBody } from '../http/json-body.js';
import { HttpProblem } from '../http/problem.js';
import { streamRunEvents, type OpenEventStreams } from './event-stream.js';
import { toRunEvent } from './run-event.js';
import { encodeCursor, parseRunListQuery } from './list-query.js';

/** Routes of the runs resource. */
export function runsRouter(deps: {
  db: Db;
  ingest: RunIngest;
  control: RunControl;
  bodyLimitBytes: number;
  eventStreams?: OpenEventStreams | undefined;
}): Router {
  const router = new Router();

  /** The run, if the caller may see it; otherwise 404, whether or not it exists. */
  const findVisibleRun = async (runId: string, projectIds: readonly string[]) => {
    const run = await findRun(deps.db, runId, projectIds);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  };

  // Every stored run id is `run_` + a ULID: anything else cannot exist, so it is 404 before
  // any query (a NUL in a decoded path segment would otherwise reach Postgres and fail).
  router.param('run_id', (runId, ctx, next) => {
    if (!isRunIdShape(runId)) throw new RunNotFoundError(runId);
    return next();
  });

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
    if (ctx.accepts(['application/json', 'text/event-stream']) === 'text/event-stream') {
      streamRunEvents(ctx, deps.db, run.id, deps.eventStreams);
      return;
    }
    const events = await listRunEvents(deps.db, run.id);
    ctx.body = { data: events.map(toRunEvent) };
  });

  const bodyOf = <N extends keyof RouteBodies>(ctx: Context, name: N): Promise<RouteBodies[N]> => readRouteBody(ctx, name, deps.bodyLimitBytes);

  router.post('/runs/:run_id/cancel', async (ctx) => {
    ctx.body = toRunEnvelope(await deps.control.cancel(callerOf(ctx), ctx.params.run_id ?? ''));
  });

  router.post('/runs/:run_id/resume', async (ctx) => {
    const body = await bodyOf(ctx, 'ResumeRunRequest');
    ctx.body = toRunEnvelope(await deps.control.resume(callerOf(ctx), ctx.params.run_id ?? '', body.data));
  });

  router.post('/runs/:run_id/complete', async (ctx) => {
    const body = await bodyOf(ctx, 'CompleteRunRequest');
    ctx.body = toRunEnvelope(await deps.control.complete(callerOf(ctx), ctx.params.run_id ?? '', body));
  });

  router.post('/runs/:run_id/fail', async (ctx) => {
    const body = await bodyOf(ctx, 'FailRunRequest');
    ctx.body = toRunEnvelope(await deps.control.fail(callerOf(ctx), ctx.params.run_id ?? '', body));
  });

  router.post('/runs/:run_id/wait', async (ctx) => {
    const body = await bodyOf(ctx, 'WaitRunRequest');
    ctx.body = toRunEnvelope(await deps.control.wait(callerOf(ctx), ctx.params.run_id ?? '', body));
  });

  return router;
}
