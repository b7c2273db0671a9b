import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Logger } from '@runq/config';
import { openDatabase } from '@runq/db';
import type { RunqMetrics } from '@runq/metrics';
import { RunQueues } from '@runq/queue';
import { openTracing } from '@runq/tracing';
import { CONNECTION_CLOSE_TIMEOUT_MS, SHUTDOWN_DEADLINE_MARGIN_MS, closeSteps, settlesWithin, type CloseReport, type CloseStage } from '@runq/async';
import { createApp, servedRoutes, type ServedRoute } from './app.js';
import { answerClientError } from './http/client-error.js';
import { RateLimitStore } from './http/rate-limit-store.js';
import type { ApiConfig } from './config.js';
import { OpenEventStreams } from './runs/event-stream.js';

/** How long a shutting-down API lets the requests in flight finish before it closes their connections. */
export const API_DRAIN_MS = 10_000;
/** While the API drains, how often it closes the keep-alive connections that have become idle. */
const IDLE_SWEEP_MS = 50;

/**
 * The latest an API process is still shutting down after SIGTERM: the drain of requests in
 * flight, two rounds of connection closes (see {@link RunningApi.shutdownStages}) and the margin.
 * An orchestrator must wait longer than this (after any pre-stop hook) before it kills the process.
 */
export const API_SHUTDOWN_DEADLINE_MS = API_DRAIN_MS + 2 * CONNECTION_CLOSE_TIMEOUT_MS + SHUTDOWN_DEADLINE_MARGIN_MS;

/** How long the start waits for the rate-limit store's Redis (as long as a readiness probe waits). */
const RATE_LIMIT_STORE_WAIT_MS = 2_000;

/** A running API server. */
export interface RunningApi {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  server: Server;
  /**
   * The steps that stop the API, each bounded: the HTTP server (no new connections, event
   * streams ended, requests in flight given a drain period), then the queues and the database pool.
   */
  readonly shutdownStages: readonly CloseStage[];
  /** The routes the API answers (the admin pages excepted), as its routers declare them. */
  readonly routes: readonly ServedRoute[];
  /** Closes {@link shutdownStages} (once) and reports the steps that did not finish. */
  close(): Promise<CloseReport>;
}

/**
 * Starts the API: opens the database pool and the queues, builds the app and listens on
 * `config.host:config.port` (port 0 picks a free one).
 */
export async function startApi(config: Readonly<ApiConfig>, log: Logger, metrics?: RunqMetrics): Promise<RunningApi> {
  const db = openDatabase(config.databaseUrl, {
    applicationName: 'runq-api',
    onPoolError: (err) => log.warn({ err }, 'database connection lost'),
  });
  const queues = RunQueues.open({ databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, prefix: config.queuePrefix });
  const rateLimitStore = RateLimitStore.open({ redisUrl: config.redisUrl, db, prefix: config.queuePrefix, log });
  // Connected before the first request, so that it is counted; an unreachable Redis only
  // delays the start (requests are served unlimited, with a warning, until it answers).
  await rateLimitStore.ready(RATE_LIMIT_STORE_WAIT_MS);
  const eventStreams = new OpenEventStreams();
  const tracing = await openTracing(config.tracing, 'runq-api');
  const app = createApp({ config, db, queues, log, metrics, rateLimitStore, eventStreams, tracing });
  // Slow clients must not hold sockets forever; headers and body have to arrive in time. Node
  // looks for late requests every `connectionsCheckingInterval` (30 s by default, which would
  // let a 15 s limit stretch to 45 s): once a second keeps the limits what they say.
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
    },
    app.callback(),
  );
  server.on('clientError', answerClientError);
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url, queueBackend: queues.backendKind, dashboard: Boolean(config.adminToken), tracing: tracing.enabled }, 'api listening');
  if (!config.adminToken) log.warn('RUNQ_ADMIN_TOKEN is not set: the queue dashboard at /admin/queues is not mounted');

  const shutdownStages: CloseStage[] = [
    [{ name: 'http server', timeoutMs: API_DRAIN_MS + CONNECTION_CLOSE_TIMEOUT_MS, close: () => closeHttpServer(server, eventStreams) }],
    [
      { name: 'api queues', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => queues.close() },
      { name: 'api rate-limit store', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: async () => rateLimitStore.close() },
      { name: 'api database', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => db.destroy() },
      // Last spans out: the buffered ones are sent (bounded like every close) before the process ends.
      { name: 'api tracing', timeoutMs: CONNECTION_CLOSE_TIMEOUT_MS, close: () => tracing.close() },
    ],
  ];
  let closing: Promise<CloseReport> | undefined;
  return {
    url,
    server,
    shutdownStages,
    get routes() {
      return servedRoutes(app);
    },
    close() {
      closing ??= closeSteps(shutdownStages);
      return closing;
    },
  };
}

/**
 * Stops accepting connections and ends the event streams at once (they never finish by
 * themselves; clients reconnect elsewhere), closes connections as they become idle, and after
 * {@link API_DRAIN_MS} closes the ones still busy.
 */
async function closeHttpServer(server: Server, eventStreams: OpenEventStreams): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  eventStreams.endAll();
  server.closeIdleConnections();
  // A request that finishes leaves its keep-alive connection open until the keep-alive timeout.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  try {
    if (!(await settlesWithin(closed, API_DRAIN_MS))) server.closeAllConnections();
    await closed;
  } finally {
    clearInterval(sweep);
  }
}
