import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { RunQueues } from '@runq/queue';
import { adminAuth } from './basic-auth.js';

/** Where Bull Board is served. */
export const DASHBOARD_PATH = '/admin/queues';

/** Bull Board over the four run queues, behind the admin basic auth. */
export function dashboard(queues: RunQueues, adminToken: string): Middleware {
  const serverAdapter = new KoaAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'runq queues' } },
  });
  const board = serverAdapter.registerPlugin() as Middleware;
  const guard = adminAuth(adminToken);
  const guarded = compose([guard, board]);
  return async (ctx, next) => {
    if (ctx.path === DASHBOARD_PATH || ctx.path.startsWith(`${DASHBOARD_PATH}/`)) {
      await guarded(ctx, next);
      return;
    }
    await next();
  };
}
