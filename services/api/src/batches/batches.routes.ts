import Router from '@koa/router';
import { validateCreateRunRequest, type CreateRunRequest } from '@runq/contract';
import type { Logger } from '@runq/config';
import { MAX_BATCH_ITEMS, type BatchControl, type CreatedRun, type RunReplay } from '@runq/engine';
import type { RunqMetrics } from '@runq/metrics';
import { BatchNotFoundError, RunNotFoundError, isRunIdShape, toRunEnvelope, UUID_PATTERN } from '@runq/runs';
import type { Context } from 'koa';
import { callerOf } from '../http/authenticate.js';
import { readJsonBody } from '../http/json-body.js';
import { HttpProblem, problemDocument, type ProblemDocument } from '../http/problem.js';
import { toProblem } from '../http/problem-middleware.js';

/**
 * A batch body may be this many times the body limit of one request: it carries up to
 * {@link MAX_BATCH_ITEMS} run bodies.
 */
const BATCH_BODY_LIMIT_FACTOR = 10;

/** What became of one item of a batch. */
interface BatchItemResult {
  index: number;
  status: 'created' | 'duplicate' | 'rejected';
  run?: ReturnType<typeof toRunEnvelope>;
  problem?: ProblemDocument;
}

/** Routes of batches (`POST /batches`, `GET /batches/{id}`) and of replays (`POST /runs/{id}/replay`). */
export function batchesRouter(deps: { batches: BatchControl; replays: RunReplay; bodyLimitBytes: number; log: Logger; metrics?: RunqMetrics }): Router {
  const router = new Router();

  router.param('run_id', (runId, ctx, next) => {
    if (!isRunIdShape(runId)) throw new RunNotFoundError(runId);
    return next();
  });
  router.param('batch_id', (batchId, ctx, next) => {
    if (!UUID_PATTERN.test(batchId)) throw new BatchNotFoundError(batchId);
    return next();
  });

  router.post('/batches', async (ctx) => {
    const items = itemsOf(await readJsonBody(ctx, deps.bodyLimitBytes * BATCH_BODY_LIMIT_FACTOR));
    // Each item is checked on its own, exactly as a POST /runs body is; a rejected item rejects only itself.
    const checked = items.map((item) => validateCreateRunRequest(item));
    const valid = checked.flatMap((validation, index) => (validation.ok ? [{ index, body: validation.value }] : []));
    const { batchId, results } = await deps.batches.createBatch(
      callerOf(ctx),
      valid.map((item): CreateRunRequest => item.body),
    );
    const outcomes: BatchItemResult[] = checked.map((validation, index) =>
      validation.ok
        ? { index, status: 'rejected' }
        : {
            index,
            status: 'rejected',
            problem: problemDocument('validation_error', 'The item does not match the POST /runs contract.', `${ctx.path}#/items/${index}`, {
              errors: validation.errors,
            }),
          },
    );
    valid.forEach(({ index }, at) => {
      outcomes[index] = itemOutcome(ctx, index, results[at], deps.log);
    });
    for (const outcome of outcomes) deps.metrics?.batchItems.inc({ status: outcome.status });
    ctx.status = 202;
    ctx.body = { batch_id: batchId, items: outcomes };
  });

  router.get('/batches/:batch_id', async (ctx) => {
    ctx.body = await deps.batches.progress((ctx.params.batch_id ?? '').toLowerCase(), callerOf(ctx).projectIds);
  });

  router.post('/runs/:run_id/replay', async (ctx) => {
    const { run } = await deps.replays.replay(callerOf(ctx), ctx.params.run_id ?? '');
    ctx.status = 202;
    ctx.body = { run: toRunEnvelope(run) };
  });

  return router;
}

/** The `items` of a batch body: 1 to {@link MAX_BATCH_ITEMS} of them, or a 400 naming `items`. */
function itemsOf(body: unknown): unknown[] {
  const items = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['items'] : undefined;
  const problem = (message: string) => new HttpProblem('validation_error', 'The request body is invalid.', { errors: [{ path: '/items', message }] });
  if (!Array.isArray(items)) throw problem('is required: an array of POST /runs bodies');
  if (items.length === 0) throw problem('must have at least 1 item');
  if (items.length > MAX_BATCH_ITEMS) throw problem(`must have at most ${MAX_BATCH_ITEMS} items`);
  return items;
}

/** One item's outcome: its run, or the problem a single POST /runs of it would have answered. */
function itemOutcome(ctx: Context, index: number, result: PromiseSettledResult<CreatedRun> | undefined, log: Logger): BatchItemResult {
  if (result?.status === 'fulfilled') {
    return { index, status: result.value.duplicate ? 'duplicate' : 'created', run: toRunEnvelope(result.value.run) };
  }
  const instance = `${ctx.path}#/items/${index}`;
  const problem = result && toProblem(result.reason);
  if (!problem) {
    log.error({ requestId: ctx.state['requestId'], err: result?.reason, index }, 'creating a batch item failed');
    return { index, status: 'rejected', problem: problemDocument('internal_error', 'An internal error occurred.', instance) };
  }
  return {
    index,
    status: 'rejected',
    problem: problemDocument(problem.code, problem.detail, instance, problem.extras.errors ? { errors: problem.extras.errors } : {}),
  };
}
