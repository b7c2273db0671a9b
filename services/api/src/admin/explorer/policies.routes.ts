import { UUID_PATTERN } from '@runq/runs';
import Router from '@koa/router';
import { listAllPolicies, listBucketUse, type Db } from '@runq/db';
import { policiesPage } from './policy-pages.js';

/** Where the policies page is served. */
export const POLICIES_EXPLORER_PATH = '/admin/policies';

/** The most policies one page shows. */
const MAX_POLICIES = 200;

/**
 * The operator's view of flow control, server-rendered: every project's policies with the use of
 * each bucket (running, held, limit), as `GET /policies` reports them to each project. Mounted
 * behind the admin basic auth like the run explorer.
 */
export function policiesExplorerRouter(deps: { db: Db }): Router {
  const router = new Router({ prefix: POLICIES_EXPLORER_PATH });
  router.get('/', async (ctx) => {
    const project = typeof ctx.query['project'] === 'string' ? ctx.query['project'].trim() : '';
    const valid = project === '' || UUID_PATTERN.test(project);
    const policies = await listAllPolicies(deps.db, { projectId: valid && project ? project.toLowerCase() : undefined, limit: MAX_POLICIES });
    const withUse = await Promise.all(policies.map(async (policy) => ({ policy, buckets: await listBucketUse(deps.db, policy.id) })));
    ctx.type = 'html';
    ctx.body = policiesPage(withUse, project || undefined, valid ? undefined : `Project must be a UUID (got ${JSON.stringify(project)}).`).value;
  });
  return router;
}
