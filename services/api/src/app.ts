import Koa from 'koa';
import type Router from '@koa/router';
import { HOLD_REASONS, RUN_KINDS } from '@runq/runs';
import { Authenticator } from '@runq/auth';
import type { Logger } from '@runq/config';
import { countUnfinishedRuns, countWebhookBacklog, type Db } from '@runq/db';
import { RunqMetrics } from '@runq/metrics';
import type { RunQueues } from '@runq/queue';
import { NO_TRACING, type RunTracing } from '@runq/tracing';
import { adminPages } from './admin/dashboard.js';
import type { ApiConfig } from './config.js';
import { authenticate } from './http/authenticate.js';
import { clientAddress } from './http/client-address.js';
import { problemMiddleware } from './http/problem-middleware.js';
import { RateLimits } from './http/rate-limit.js';
import type { RateLimitStore } from './http/rate-limit-store.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import { traceRequests } from './http/trace-requests.js';

import { SecretBox } from '@runq/webhooks';
import {
  BatchControl,
  BulkActionControl,
  PolicyControl,
  RunAdmission,
  RunControl,
  RunIngest,
  RunReplay,
  ScheduleControl,
  ScheduleFirer,
  WebhookControl,
  WebhookReceiver,
} from '@runq/engine';
import { batchesRouter } from './batches/batches.routes.js';
import { bulkActionsRouter } from './bulk-actions/bulk-actions.routes.js';
import { policiesRouter } from './policies/policies.routes.js';
import { runsRouter } from './runs/runs.routes.js';
import { schedulesRouter } from './schedules/schedules.routes.js';
import { servedOpenApiDocument } from './system/openapi-document.js';
import { systemRouter } from './system/system.routes.js';
import { whoamiRouter } from './whoami/whoami.routes.js';
import { hooksRouter } from './webhooks/hooks.routes.js';
import { webhooksRouter } from './webhooks/webhooks.routes.js';
import { webhookSubscriptionsRouter } from './webhook-subscriptions/webhook-subscriptions.routes.js';
import type { OpenEventStreams } from './runs/event-stream.js';

/** What the API is built from. */
export interface ApiDependencies {
  config: Readonly<ApiConfig>;
  db: Db;
  queues: RunQueues;
  log: Logger;
  /** Where the rate limits count (opened and closed by whoever builds the app). */
  rateLimitStore: RateLimitStore;
  /** Shared with the worker pool when both run in one process (`runq start`). */
  metrics?: RunqMetrics | undefined;
  /** Where open event streams are registered, so that the server's shutdown can end them. */
  eventStreams?: OpenEventStreams | undefined;
  /** Where spans go (docs/decisions/0016-tracing.md); off unless given. */
  tracing?: RunTracing | undefined;
}

/**
 * Gauges read at scrape time: the queues' job counts and the unfinished runs in Postgres.
 * Every API instance reports the same global values; aggregate them with `max`, not `sum`.
 */
function registerGauges(metrics: RunqMetrics, db: Db, queues: RunQueues): void {
  metrics.addCollectedGauge({
    name: 'runq_queue_jobs',
    help: 'Jobs in each run queue, by state.',
    labelNames: ['kind', 'state'] as const,
    collect: async () =>
      Object.entries(await queues.counts()).flatMap(([kind, counts]) => Object.entries(counts).map(([state, value]) => ({ labels: { kind, state }, value }))),
  });
  let unfinished: Promise<Awaited<ReturnType<typeof countUnfinishedRuns>>> | undefined;
  // One query serves both gauges of a scrape (Prometheus collects them concurrently).
  const counts = () => {
    unfinished ??= countUnfinishedRuns(db).finally(() => (unfinished = undefined));
    return unfinished;
  };
  metrics.addCollectedGauge({
    name: 'runq_runs',
    help: 'Unfinished worker-executed runs, by kind and status.',
    labelNames: ['kind', 'status'] as const,
    collect: async () => (await counts()).map((row) => ({ labels: { kind: row.kind, status: row.status }, value: row.count })),
  });
  metrics.addCollectedGauge({
    name: 'runq_runs_held',
    help: 'Pending runs held by flow control, by kind and reason (concurrency, rate, schedule, no_worker).',
    labelNames: ['kind', 'reason'] as const,
    collect: async () => {
      const pending = (await counts()).filter((row) => row.status === 'pending');
      return RUN_KINDS.flatMap((kind) =>
        HOLD_REASONS.map((reason) => ({
          labels: { kind, reason },
          value: pending.filter((row) => row.kind === kind).reduce((sum, row) => sum + row.held[reason], 0),
        })),
      );
    },
  });
  metrics.addCollectedGauge({
    name: 'runq_runs_running_expired_lease',
    help: 'Running runs whose claim expired (their worker died and nothing has taken over yet).',
    labelNames: ['kind'] as const,
    collect: async () => (await counts()).filter((row) => row.status === 'running').map((row) => ({ labels: { kind: row.kind }, value: row.expiredLeases })),
  });
  metrics.addCollectedGauge({
    name: 'runq_webhook_backlog',
    help: 'Outbound webhook deliveries not yet delivered (pending, of enabled subscriptions).',
    labelNames: [] as const,
    collect: async () => [{ labels: {}, value: await countWebhookBacklog(db) }],
  });
}

/** A route an app answers: its method and path template, in OpenAPI form (`/runs/{run_id}`). */
export interface ServedRoute {
  method: string;
  path: string;
}

/**
 * The routes of the routers mounted on `app`, but the admin pages (HTML for operators) and HEAD
 * (answered with every GET): what the served description must cover.
 */
export function servedRoutes(app: Koa): ServedRoute[] {
  const routes = app.middleware.flatMap((middleware) => (middleware as { router?: Router }).router?.stack ?? []);
  return routes
    .filter((layer) => typeof layer.path === 'string' && !layer.path.startsWith('/admin'))
    .flatMap((layer) =>
      layer.methods.filter((method) => method !== 'HEAD').map((method) => ({ method, path: String(layer.path).replace(/:([A-Za-z0-9_]+)/g, '{$1}') })),
    );
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
  const metrics = deps.metrics ?? new RunqMetrics({ service: 'api' });
  registerGauges(metrics, deps.db, deps.queues);
  const admission = new RunAdmission(deps.db, deps.queues, deps.log, { projectConcurrency: deps.config.projectConcurrency });
  const tracing = deps.tracing ?? NO_TRACING;
  const ingest = new RunIngest(deps.db, deps.queues, deps.log, admission, metrics, tracing);
  const system = systemRouter({ db: deps.db, queues: deps.queues, openApiDocument: servedOpenApiDocument, metrics });
  const control = new RunControl(deps.db, deps.queues, deps.log, admission, metrics);
  const policies = policiesRouter({ policies: new PolicyControl(deps.db, admission), bodyLimitBytes: deps.config.bodyLimitBytes });
  const firer = new ScheduleFirer(deps.db, ingest, control, admission, deps.log, (outcome, latenessMs) => metrics.observeOccurrence(outcome, latenessMs));
  const schedules = schedulesRouter({ schedules: new ScheduleControl(deps.db, firer), bodyLimitBytes: deps.config.bodyLimitBytes });
  const runs = runsRouter({ db: deps.db, ingest, control, bodyLimitBytes: deps.config.bodyLimitBytes, eventStreams: deps.eventStreams });
  const whoami = whoamiRouter();
  const bulkActions = bulkActionsRouter({ bulkActions: new BulkActionControl(deps.db), bodyLimitBytes: deps.config.bodyLimitBytes });
  const batches = batchesRouter({
    batches: new BatchControl(deps.db, ingest),
    replays: new RunReplay(deps.db, ingest),
    bodyLimitBytes: deps.config.bodyLimitBytes,
    log: deps.log,
    metrics,
  });
  const limits = new RateLimits({ config: deps.config.rateLimit, store: deps.rateLimitStore, metrics, log: deps.log });
  // Webhook secrets are stored sealed: without a key to seal them, the webhook routes answer 503.
  const box = deps.config.secretsKey === undefined ? undefined : new SecretBox(deps.config.secretsKey);
  const subscriptions = webhookSubscriptionsRouter({
    db: deps.db,
    bodyLimitBytes: deps.config.bodyLimitBytes,
    box,
    allowPrivate: deps.config.webhookAllowPrivate,
  });
  const webhooks = webhooksRouter({ webhooks: box && new WebhookControl(deps.db, box), bodyLimitBytes: deps.config.bodyLimitBytes });
  const hooks = hooksRouter({
    receiver: box && new WebhookReceiver(deps.db, ingest, box, (outcome) => metrics.webhookInboundDeliveries.inc({ outcome })),
    limits,
    bodyLimitBytes: deps.config.bodyLimitBytes,
  });

  // requestContext wraps everything so even a problem response carries the request id and
  // is logged; problemMiddleware is the first to see any error. Every later use of the
  // client's address or scheme reads what clientAddress resolved.
  // The server span encloses everything else, so a run created by the request is its child.
  if (tracing.enabled) app.use(traceRequests(tracing));
  app.use(requestContext(deps.log, metrics));
  app.use(clientAddress(deps.config.trustProxy));
  app.use(securityHeaders());
  app.use(problemMiddleware(deps.log));
  // allowedMethods without `throw`: the router then sets the Allow header that RFC 9110
  // requires on a 405 (a thrown error carries none), and the problem middleware writes the body.
  app.use(system.routes());
  app.use(system.allowedMethods());
  // Probes and /metrics are not limited; everything after them is, per client address. Wrong
  // credentials, on the admin pages too, are counted per address and key prefix, and answered
  // 429 past their limit; valid ones are never refused for others' failures.
  app.use(limits.perAddress);
  // Deliveries are verified by their signature, not by runq credentials.
  app.use(hooks.routes());
  app.use(hooks.allowedMethods());
  app.use(limits.failedAuthentication);
  if (deps.config.adminToken) app.use(adminPages({ queues: deps.queues, db: deps.db, control, ingest, adminToken: deps.config.adminToken }));
  app.use(authenticate(authenticator));
  app.use(limits.perCaller);
  app.use(whoami.routes());
  app.use(whoami.allowedMethods());
  app.use(runs.routes());
  app.use(runs.allowedMethods());
  app.use(policies.routes());
  app.use(policies.allowedMethods());
  app.use(schedules.routes());
  app.use(schedules.allowedMethods());
  app.use(webhooks.routes());
  app.use(webhooks.allowedMethods());
  app.use(subscriptions.routes());
  app.use(subscriptions.allowedMethods());
  app.use(batches.routes());
  app.use(batches.allowedMethods());
  app.use(bulkActions.routes());
  app.use(bulkActions.allowedMethods());
  return app;
}
