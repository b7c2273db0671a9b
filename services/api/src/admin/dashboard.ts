import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { Db } from '@runq/db';
import type { RunQueues } from '@runq/queue';
import { BatchControl, BulkActionControl, RunReplay, type RunControl, type RunIngest } from '@runq/engine';
import { adminAuth } from './basic-auth.js';
import { EXPLORER_PATH, explorerRouter } from './explorer/explorer.routes.js';
import { OVERVIEW_ASSETS_PATH, OVERVIEW_PATH, overviewRouter } from './overview/overview.routes.js';
import { SCHEDULES_EXPLORER_PATH, schedulesExplorerRouter } from './explorer/schedules.routes.js';
import { SUBSCRIPTIONS_EXPLORER_PATH, subscriptionsExplorerRouter } from './explorer/webhook-subscriptions.routes.js';
import { POLICIES_EXPLORER_PATH, policiesExplorerRouter } from './explorer/policies.routes.js';
import { WEBHOOKS_EXPLORER_PATH } from './explorer/webhook-pages.js';
import { webhooksExplorerRouter } from './explorer/webhooks.routes.js';
import { BATCHES_EXPLORER_PATH, DEAD_LETTERS_PATH, batchesExplorerRouter } from './explorer/batches.routes.js';

/** Where Bull Board is served. */
export const DASHBOARD_PATH = '/admin/queues';

function under(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

/**
 * The operator pages, behind the admin basic auth (and its same-origin check for actions):
 * the overview at `/admin`, Bull Board over the four run queues at `/admin/queues`, the run
 * explorer at `/admin/runs`, the schedules explorer at `/admin/schedules`, the policies page
 * at `/admin/policies`, the inbound webhooks at `/admin/webhooks`, the webhook subscriptions at
 * `/admin/webhook-subscriptions`, batch progress at `/admin/batches/{id}` and dead letters at
 * `/admin/dead-letters`. Requests elsewhere pass through untouched.
 */
export function adminPages(deps: { queues: RunQueues; db: Db; control: RunControl; ingest: RunIngest; adminToken: string }): Middleware {
  const serverAdapter = new KoaAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: deps.queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'runq queues' } },
  });
  const guard = adminAuth(deps.adminToken);
  const board = compose([guard, serverAdapter.registerPlugin() as Middleware]);
  const explorer = explorerRouter({ db: deps.db, control: deps.control, replays: new RunReplay(deps.db, deps.ingest) });
  const runs = compose([guard, explorer.routes() as Middleware, explorer.allowedMethods() as Middleware]);
  const overview = overviewRouter({ db: deps.db });
  const overviewPages = compose([guard, overview.routes() as Middleware, overview.allowedMethods() as Middleware]);
  const schedulesExplorer = schedulesExplorerRouter({ db: deps.db });
  const schedules = compose([guard, schedulesExplorer.routes() as Middleware, schedulesExplorer.allowedMethods() as Middleware]);
  const subscriptionsExplorer = subscriptionsExplorerRouter({ db: deps.db });
  const subscriptions = compose([guard, subscriptionsExplorer.routes() as Middleware, subscriptionsExplorer.allowedMethods() as Middleware]);
  const policiesExplorer = policiesExplorerRouter({ db: deps.db });
  const policies = compose([guard, policiesExplorer.routes() as Middleware, policiesExplorer.allowedMethods() as Middleware]);
  const webhooksExplorer = webhooksExplorerRouter({ db: deps.db });
  const webhooks = compose([guard, webhooksExplorer.routes() as Middleware, webhooksExplorer.allowedMethods() as Middleware]);
  const batchesExplorer = batchesExplorerRouter({ db: deps.db, batches: new BatchControl(deps.db, deps.ingest), bulkActions: new BulkActionControl(deps.db) });
  const batches = compose([guard, batchesExplorer.routes() as Middleware, batchesExplorer.allowedMethods() as Middleware]);
  // A request under an admin path that no admin route takes ends here (404, or 405 for a known
  // path), and never goes on to the API's own authentication and routes: Bull Board's plugin
  // turns any error thrown downstream of it into its own 500 (an admin `DELETE /admin/queues`
  // became "500 The credentials header is malformed."), and the API's routes have nothing
  // under /admin anyway. The problem middleware writes the 404/405 document.
  const endHere = async () => undefined;
  return async (ctx, next) => {
    if (under(ctx.path, DASHBOARD_PATH)) return board(ctx, endHere);
    if (under(ctx.path, EXPLORER_PATH)) return runs(ctx, endHere);
    if (ctx.path === OVERVIEW_PATH || ctx.path === `${OVERVIEW_PATH}/` || ctx.path === `${OVERVIEW_ASSETS_PATH}.js` || under(ctx.path, OVERVIEW_ASSETS_PATH)) {
      return overviewPages(ctx, endHere);
    }
    if (under(ctx.path, SCHEDULES_EXPLORER_PATH)) return schedules(ctx, endHere);
    if (under(ctx.path, POLICIES_EXPLORER_PATH)) return policies(ctx, endHere);
    if (under(ctx.path, WEBHOOKS_EXPLORER_PATH)) return webhooks(ctx, endHere);
    if (under(ctx.path, SUBSCRIPTIONS_EXPLORER_PATH)) return subscriptions(ctx, endHere);
    if (under(ctx.path, BATCHES_EXPLORER_PATH) || under(ctx.path, DEAD_LETTERS_PATH)) return batches(ctx, endHere);
    return next();
  };
}
