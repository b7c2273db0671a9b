import Koa from 'koa';
import { Authenticator } from '@runq/auth';
import type { Logger } from '@runq/config';
import type { Db } from '@runq/db';
import type { RunQueues } from '@runq/queue';
import { dashboard } from './admin/dashboard.js';
import type { ApiConfig } from './config.js';
import { authenticate } from './http/authenticate.js';
import { problemMiddleware } from './http/problem-middleware.js';
import { requestContext } from './http/request-context.js';
import { RunControl } from './runs/run-control.js';
import { RunIngest } from './runs/run-ingest.js';
import { runsRouter } from './runs/runs.routes.js';
import { servedOpenApiDocument } from './system/openapi-document.js';
import { systemRouter } from './system/system.routes.js';

/** What the API is built from. */
export interface ApiDependencies {
  config: Readonly<ApiConfig>;
  db: Db;
  queues: RunQueues;
  log: Logger;
}

/**
 * The Koa application: request context, problem documents, public probes, the admin
 * dashboard, then authenticated routes. Built without listening, so tests can serve it on
 * port 0.
 */
export function createApp(deps: ApiDependencies): Koa {
  const app = new Koa({ proxy: false });
  // Koa logs errors itself unless told otherwise; the problem middleware already logged them.
  app.silent = true;

  const authenticator = new Authenticator(deps.db, {
    jwt: deps.config.jwt,
    apiKeys: { onTouchError: (err) => deps.log.warn({ err }, 'recording API key use failed') },
  });
  const ingest = new RunIngest(deps.db, deps.queues, deps.log);
  const system = systemRouter({ db: deps.db, queues: deps.queues, openApiDocument: servedOpenApiDocument });
  const control = new RunControl(deps.db, deps.queues, deps.log);
  const runs = runsRouter({ db: deps.db, ingest, control, bodyLimitBytes: deps.config.bodyLimitBytes });

  // requestContext wraps everything so even a problem response carries the request id and
  // is logged; problemMiddleware is the first to see any error.
  app.use(requestContext(deps.log));
  app.use(problemMiddleware(deps.log));
  // allowedMethods without `throw`: the router then sets the Allow header that RFC 9110
  // requires on a 405 (a thrown error carries none), and the problem middleware writes the body.
  app.use(system.routes());
  app.use(system.allowedMethods());
  if (deps.config.adminToken) app.use(dashboard(deps.queues, deps.config.adminToken));
  app.use(authenticate(authenticator));
  app.use(runs.routes());
  app.use(runs.allowedMethods());
  return app;
}
