import Router from '@koa/router';
import type { BucketUse, PolicyRow } from '@runq/db';
import type { PolicyControl, PolicyWithUse } from '@runq/engine';
import { formatDuration, PolicyNotFoundError } from '@runq/runs';
import { callerOf } from '../http/authenticate.js';
import { readRouteBody } from '../http/json-body.js';

/** Policy names: what `PolicyName` in the served description allows; anything else cannot exist. */
const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A bucket's key value, without its policy id (`<policy id>/<value>`). */
function keyOf(bucket: string): string {
  return bucket.slice(bucket.indexOf('/') + 1);
}

/** The API's representation of a policy and its buckets. */
export function toPolicyBody(policy: PolicyRow, buckets: readonly BucketUse[]) {
  return {
    name: policy.name,
    project_id: policy.project_id,
    match: { kind: policy.match_kind, target: policy.match_target },
    concurrency:
      policy.concurrency_limit === null
        ? null
        : { key: policy.concurrency_key, limit: policy.concurrency_limit, strategy: policy.concurrency_strategy ?? 'queue' },
    rate:
      policy.rate_max === null || policy.rate_per_ms === null
        ? null
        : { key: policy.rate_key, max: policy.rate_max, per: formatDuration(Number(policy.rate_per_ms)) },
    priority: policy.priority,
    ttl: policy.ttl_ms === null ? null : formatDuration(Number(policy.ttl_ms)),
    buckets: buckets.map((use) => ({ key: keyOf(use.bucket), running: use.running, held: use.held, limit: policy.concurrency_limit })),
    created_at: policy.created_at.toISOString(),
    updated_at: policy.updated_at.toISOString(),
  };
}

/** Routes of the policies resource (flow control). */
export function policiesRouter(deps: { policies: PolicyControl; bodyLimitBytes: number }): Router {
  const router = new Router();

  router.param('name', (name, _ctx, next) => {
    if (!POLICY_NAME.test(name)) throw new PolicyNotFoundError(name);
    return next();
  });

  router.get('/policies', async (ctx) => {
    const policies = await deps.policies.list(callerOf(ctx));
    ctx.body = { data: policies.map(({ policy, buckets }: PolicyWithUse) => toPolicyBody(policy, buckets)) };
  });

  router.put('/policies/:name', async (ctx) => {
    const body = await readRouteBody(ctx, 'PolicyRequest', deps.bodyLimitBytes);
    const { policy, created } = await deps.policies.put(callerOf(ctx), ctx.params.name ?? '', body);
    ctx.status = created ? 201 : 200;
    ctx.body = toPolicyBody(policy, []);
  });

  router.delete('/policies/:name', async (ctx) => {
    await deps.policies.delete(callerOf(ctx), ctx.params.name ?? '');
    ctx.status = 204;
  });

  return router;
}
