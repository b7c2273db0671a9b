import Router from '@koa/router';
import { validateCreateRunRequest, type ScheduleBody, type SchedulePatchBody } from '@runq/contract';
import type { ScheduleOccurrenceRow, ScheduleRow } from '@runq/db';
import { scheduleBodyOf, upcomingOf, type ScheduleControl } from '@runq/engine';
import { ScheduleNotFoundError, toRunEnvelope, UUID_PATTERN } from '@runq/runs';
import type { Context } from 'koa';
import { callerOf } from '../http/authenticate.js';
import { readRouteBody } from '../http/json-body.js';
import { HttpProblem } from '../http/problem.js';
import { parsePage, encodePageCursor } from './schedule-query.js';

/** Schedule keys: what `ScheduleKey` in the served description allows; anything else cannot exist. */
const SCHEDULE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** The API's representation of a schedule, with its state and next fire times. */
export function toScheduleBody(schedule: ScheduleRow) {
  return {
    id: schedule.id,
    project_id: schedule.project_id,
    ...scheduleBodyOf(schedule),
    state: {
      next_fire_at: schedule.paused ? null : (schedule.next_fire_at?.toISOString() ?? null),
      last_fired_at: schedule.last_fired_at?.toISOString() ?? null,
      runs_created: schedule.runs_created,
      skipped: schedule.skipped,
      missed: schedule.missed_count,
    },
    upcoming: schedule.paused ? [] : upcomingOf(schedule).map((at) => at.toISOString()),
    created_at: schedule.created_at.toISOString(),
    updated_at: schedule.updated_at.toISOString(),
  };
}

/** The API's representation of an occurrence. */
export function toOccurrenceBody(occurrence: ScheduleOccurrenceRow) {
  return {
    id: occurrence.id,
    scheduled_for: occurrence.scheduled_for.toISOString(),
    fired_at: occurrence.fired_at.toISOString(),
    outcome: occurrence.outcome,
    run_id: occurrence.run_id,
  };
}

/** Checks the `run` of a schedule body against the seed contract: every issue, under `/run`. */
function checkRunBody(run: Record<string, unknown> | undefined): void {
  if (run === undefined) return;
  const errors = [];
  if ('public_id' in run) errors.push({ path: '/run/public_id', message: 'is not allowed: runq derives it from the occurrence' });
  const { public_id: _ignored, ...rest } = run;
  const validation = validateCreateRunRequest(rest);
  if (!validation.ok) errors.push(...validation.errors.map((issue) => ({ path: `/run${issue.path}`, message: issue.message })));
  if (errors.length > 0) throw new HttpProblem('validation_error', 'The request body is invalid.', { errors });
}

/** Routes of the schedules resource. */
export function schedulesRouter(deps: { schedules: ScheduleControl; bodyLimitBytes: number }): Router {
  const router = new Router();

  router.param('schedule_id', (id, _ctx, next) => {
    if (!UUID_PATTERN.test(id)) throw new ScheduleNotFoundError(id);
    return next();
  });
  router.param('key', (key, _ctx, next) => {
    if (!SCHEDULE_KEY.test(key)) throw new ScheduleNotFoundError(key);
    return next();
  });

  const idOf = (ctx: Context) => (ctx['params'] as { schedule_id?: string }).schedule_id?.toLowerCase() ?? '';
  const scheduleBody = async (ctx: Context): Promise<ScheduleBody> => {
    const body = await readRouteBody(ctx, 'ScheduleRequest', deps.bodyLimitBytes);
    checkRunBody(body.run);
    return body;
  };

  router.post('/schedules', async (ctx) => {
    const schedule = await deps.schedules.create(callerOf(ctx), await scheduleBody(ctx));
    ctx.status = 201;
    ctx.body = toScheduleBody(schedule);
  });

  router.put('/schedules/by-key/:key', async (ctx) => {
    const body = await scheduleBody(ctx);
    if (body.key !== undefined && body.key !== null && body.key !== ctx.params.key) {
      throw new HttpProblem('validation_error', 'The request body is invalid.', { errors: [{ path: '/key', message: 'must be the key of the URL' }] });
    }
    const { schedule, created } = await deps.schedules.putByKey(callerOf(ctx), ctx.params.key ?? '', body);
    ctx.status = created ? 201 : 200;
    ctx.body = toScheduleBody(schedule);
  });

  router.get('/schedules', async (ctx) => {
    const page = parsePage(ctx.query, ['paused', 'kind']);
    const rows = await deps.schedules.list(callerOf(ctx), {
      ...page.filters,
      ...(page.after ? { before: { createdAt: page.after.at, id: page.after.id } } : {}),
      limit: page.limit + 1,
    });
    const data = rows.slice(0, page.limit);
    const last = data.at(-1);
    ctx.body = { data: data.map(toScheduleBody), next_cursor: rows.length > page.limit && last ? encodePageCursor(last.created_at, last.id) : null };
  });

  router.get('/schedules/:schedule_id', async (ctx) => {
    ctx.body = toScheduleBody(await deps.schedules.get(callerOf(ctx), idOf(ctx)));
  });

  router.patch('/schedules/:schedule_id', async (ctx) => {
    const patch: SchedulePatchBody = await readRouteBody(ctx, 'SchedulePatchRequest', deps.bodyLimitBytes);
    checkRunBody(patch.run);
    ctx.body = toScheduleBody(await deps.schedules.update(callerOf(ctx), idOf(ctx), patch));
  });

  router.delete('/schedules/:schedule_id', async (ctx) => {
    await deps.schedules.delete(callerOf(ctx), idOf(ctx));
    ctx.status = 204;
  });

  router.post('/schedules/:schedule_id/pause', async (ctx) => {
    ctx.body = toScheduleBody(await deps.schedules.pause(callerOf(ctx), idOf(ctx)));
  });

  router.post('/schedules/:schedule_id/resume', async (ctx) => {
    ctx.body = toScheduleBody(await deps.schedules.resume(callerOf(ctx), idOf(ctx)));
  });

  router.post('/schedules/:schedule_id/trigger', async (ctx) => {
    const { run, occurrence } = await deps.schedules.trigger(callerOf(ctx), idOf(ctx));
    ctx.status = 202;
    ctx.body = { run: toRunEnvelope(run), occurrence: toOccurrenceBody(occurrence) };
  });

  router.get('/schedules/:schedule_id/occurrences', async (ctx) => {
    const page = parsePage(ctx.query, []);
    const rows = await deps.schedules.occurrences(callerOf(ctx), idOf(ctx), {
      ...(page.after ? { before: { scheduledFor: page.after.at, id: page.after.id } } : {}),
      limit: page.limit + 1,
    });
    const data = rows.slice(0, page.limit);
    const last = data.at(-1);
    ctx.body = { data: data.map(toOccurrenceBody), next_cursor: rows.length > page.limit && last ? encodePageCursor(last.scheduled_for, last.id) : null };
  });

  return router;
}
