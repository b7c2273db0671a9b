import Router from '@koa/router';
import { pendingMigrations, pingDatabase, type Db } from '@runq/db';
import type { RunqMetrics } from '@runq/metrics';
import type { RunQueues } from '@runq/queue';
import { withTimeout } from '@runq/async';
import { HttpProblem } from '../http/problem.js';

/** How long a readiness probe waits for each dependency. */
const PROBE_TIMEOUT_MS = 2_000;

async function probe(check: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(check(), PROBE_TIMEOUT_MS, () => new Error('timeout'));
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

/** Probes, metrics and the API description: no authentication. */
export function systemRouter(deps: { db: Db; queues: RunQueues; openApiDocument: () => string; metrics: RunqMetrics }): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const [postgres, queue, migrations] = await Promise.all([
      probe(() => pingDatabase(deps.db)),
      probe(() => deps.queues.ping()),
      probe(async () => {
        const pending = await pendingMigrations(deps.db);
        if (pending.length > 0) throw new Error('pending migrations');
      }),
    ]);
    const checks = { postgres, queue, migrations, queue_backend: deps.queues.backendKind };
    const down = Object.entries({ postgres, queue, migrations })
      .filter(([, state]) => state !== 'ok')
      .map(([name]) => name);
    if (down.length > 0) {
      const what = down.map((name) => (name === 'migrations' ? 'migrations (not applied)' : name)).join(', ');
      throw new HttpProblem('dependency_unavailable', `Not ready: ${what} unavailable.`, { headers: { 'Retry-After': '5' } });
    }
    ctx.body = { status: 'ready', checks };
  });

  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await deps.metrics.render();
    ctx.type = contentType;
    ctx.body = body;
  });

  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = deps.openApiDocument();
  });

  return router;
}
