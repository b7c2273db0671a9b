import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database.js';

const BACKEND_PID = `
-- The server process of this session. No parameters. Returns: one row, pid.
select pg_backend_pid() as pid`;

/** Options of {@link openSessionConnection}. */
export interface SessionConnectionOptions {
  /** Name reported in `pg_stat_activity`, so operators (and tests) can tell the session apart. */
  applicationName: string;
  /** How long connecting may take before it fails. */
  connectTimeoutMs?: number;
  /**
   * TCP keepalive on the client's socket, starting after this much silence: the client side of
   * noticing a peer that vanished. The server side is set per session (`applySessionSettings`).
   */
  keepAliveIdleMs?: number;
}

/** One dedicated Postgres session, for state that lives as long as the session (advisory locks). */
export interface SessionConnection {
  /** Queries on this session, and on no other. Not for transactions: nothing serialises its users. */
  readonly db: Db;
  /** The server process of the session (`pg_backend_pid()`). */
  readonly backendPid: number;
  /** Resolves, once, when the session is gone: the server closed it, the network failed, or {@link close} was called. */
  readonly ended: Promise<Error | undefined>;
  /**
   * Ends the session without waiting for the server to confirm, and drops the socket if the
   * goodbye has not gone through within a second: on a connection whose peer is gone, a clean
   * goodbye can take as long as TCP takes to give up.
   */
  close(): void;
}

/**
 * Opens one session outside any pool. Pooled connections come and go and serve anyone; a
 * session-level advisory lock must stay on the one session that took it, for as long as the
 * holder lives, and its loss must be noticed. `ended` reports the loss.
 *
 * @example const session = await openSessionConnection(url, { applicationName: 'runq-worker-presence' });
 */
export async function openSessionConnection(url: string, options: SessionConnectionOptions): Promise<SessionConnection> {
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    keepAlive: options.keepAliveIdleMs !== undefined,
    keepAliveInitialDelayMillis: options.keepAliveIdleMs ?? 0,
  });
  let resolveEnded!: (error: Error | undefined) => void;
  const ended = new Promise<Error | undefined>((resolve) => {
    resolveEnded = resolve;
  });
  // Without an 'error' listener a lost connection would crash the process.
  client.on('error', (error) => resolveEnded(error));
  client.on('end', () => resolveEnded(undefined));
  let backendPid: number;
  try {
    await client.connect();
    const result = await client.query<{ pid: number }>(BACKEND_PID);
    backendPid = result.rows[0]?.pid ?? 0;
  } catch (error) {
    void client.end().catch(() => undefined);
    throw error;
  }
  const session: PostgresPoolClient = {
    query: ((text: string, values: readonly unknown[]) => client.query(text, values as unknown[])) as unknown as PostgresPoolClient['query'],
    release: () => undefined,
  };
  const pool: PostgresPool = { connect: async () => session, end: async () => undefined };
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    backendPid,
    ended,
    close() {
      resolveEnded(undefined);
      void client.end().catch(() => undefined);
      setTimeout(() => client.connection.stream.destroy(), 1_000).unref();
    },
  };
}
