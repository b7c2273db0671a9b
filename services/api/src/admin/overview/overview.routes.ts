import Router from '@koa/router';
import { countBacklog, readRunOverview, type Db } from '@runq/db';
import { overviewCharts, overviewPage, type OverviewData } from './overview-page.js';
import { OVERVIEW_SCRIPT } from './overview-script.js';

/** Where the overview is served, and the paths of its fragment and script. */
export const OVERVIEW_PATH = '/admin';
export const OVERVIEW_ASSETS_PATH = '/admin/overview';

/** The window drawn, in minutes. */
const MINUTES = 60;
/** Projects listed among the busiest. */
const TOP_PROJECTS = 10;

/**
 * The operator overview: the last hour of runs across every project (created, completed and
 * failed per minute and kind, queue wait percentiles, the pending backlog per kind and the
 * busiest projects) as server-rendered SVG charts, refreshed live by a small script that
 * fetches the charts fragment. Read-only; mounted behind the admin basic auth.
 */
export function overviewRouter(deps: { db: Db }): Router {
  const router = new Router();
  const load = async (): Promise<OverviewData> => {
    // Whole minutes: the last bucket is the minute in progress.
    const until = new Date((Math.floor(Date.now() / 60_000) + 1) * 60_000);
    const [overview, backlog] = await Promise.all([
      readRunOverview(deps.db, { until, windowMs: MINUTES * 60_000, topProjects: TOP_PROJECTS }),
      countBacklog(deps.db),
    ]);
    return { overview, backlog, minutes: MINUTES };
  };
  const noStore = { 'Cache-Control': 'no-store' };

  router.get(OVERVIEW_PATH, async (ctx) => {
    ctx.set(noStore);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = overviewPage(await load()).value;
  });
  router.get(`${OVERVIEW_ASSETS_PATH}/charts`, async (ctx) => {
    ctx.set(noStore);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = overviewCharts(await load()).value;
  });
  router.get(`${OVERVIEW_ASSETS_PATH}.js`, (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.body = OVERVIEW_SCRIPT;
  });
  return router;
}
