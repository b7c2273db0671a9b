import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Logger } from '@runq/config';
import { openDatabase } from '@runq/db';
import type { RunqMetrics } from '@runq/metrics';
import { RunQueues } from '@runq/queue';
import { createApp } from './app.js';
import { answerClientError } from './http/client-error.js';
import { RateLimitStore } from './http/rate-limit-store.js';
import type { ApiConfig } from './config.js';

/** How long the start waits for the rate-limit store's Redis (as long as a readiness probe waits). */
const RATE_LIMIT_STORE_WAIT_MS = 2_000;

/** A running API server. */
export interface RunningApi {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  server: Server;
  /** Stops accepting connections, waits for in-flight requests, then closes pools. */
  close(): Promise<void>;
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
  const app = createApp({ config, db, queues, log, metrics, rateLimitStore });
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
  log.info({ url, queueBackend: queues.backendKind, dashboard: Boolean(config.adminToken) }, 'api listening');
  if (!config.adminToken) log.warn('RUNQ_ADMIN_TOKEN is not set: the queue dashboard at /admin/queues is not mounted');

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        rateLimitStore.close();
        await queues.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}
