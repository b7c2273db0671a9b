import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { ApiKeyTable } from './api-key.table.js';
import { preparedStatementName } from './prepared-statement-names.js';
import type { ConversationTable, MessageTable } from './conversation.table.js';
import type { RateLimitTable } from './rate-limit.table.js';
import type { RunEventTable } from './run-event.table.js';
import type { RunTable } from './run.table.js';
import type { WorkerTargetTable } from './worker-target.table.js';
import type { ScheduleOccurrenceTable, ScheduleTable } from './schedule.table.js';
import type { WebhookEndpointSecretTable, WebhookEndpointTable, WebhookInboundDeliveryTable } from './webhook-endpoint.table.js';
import type { WebhookDeliveryTable, WebhookSubscriptionTable } from './webhook-subscription.table.js';
import type { BatchTable } from './batch.table.js';
import type { BulkActionTable } from './bulk-action.table.js';
import type { PolicyTable, RateBucketTable, RateStartTable, RunHoldTable, RunSlotTable } from './policy.table.js';

/** Every table of the run store. */
export interface Database {
  runs: RunTable;
  run_events: RunEventTable;
  api_keys: ApiKeyTable;
  conversations: ConversationTable;
  messages: MessageTable;
  rate_limits: RateLimitTable;
  policies: PolicyTable;
  run_slots: RunSlotTable;
  run_holds: RunHoldTable;
  rate_buckets: RateBucketTable;
  rate_starts: RateStartTable;
  worker_targets: WorkerTargetTable;
  schedules: ScheduleTable;
  schedule_occurrences: ScheduleOccurrenceTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_endpoint_secrets: WebhookEndpointSecretTable;
  webhook_inbound_deliveries: WebhookInboundDeliveryTable;
  webhook_subscriptions: WebhookSubscriptionTable;
  webhook_deliveries: WebhookDeliveryTable;
  batches: BatchTable;
  bulk_actions: BulkActionTable;
}

/** The typed query builder over the run store; a transaction has the same type. */
export type Db = Kysely<Database>;

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Pool size. Keep it small: past a few writers per core, Postgres gets slower, not faster. */
  maxConnections?: number;
  /** Name reported in `pg_stat_activity`. */
  applicationName?: string;
  /** Called when an idle pooled connection fails (for example, Postgres restarted). */
  onPoolError?: (error: Error) => void;
  /**
   * Plans on this pool never read a table sequentially where an index can serve
   * (`enable_seqscan = off` on each connection). For pools whose every statement finds its rows
   * through an index, such as a worker's (runs by id, the reconciler's and the retention's
   * indexes). It keeps the plans of the batched claims and completions on lookups by id whatever
   * the statistics say (see run-batch.repository.ts).
   */
  indexLookupsOnly?: boolean;
}

/**
 * Opens a connection pool to `url` and returns the query builder. Close it with `db.destroy()`.
 *
 * @example const db = openDatabase(process.env.DATABASE_URL!); await db.destroy();
 */
export function openDatabase(url: string, options: OpenDatabaseOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'runq',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (server restart, network cut) is emitted on the pool; without a
  // listener it would crash the process. The pool discards the client and reconnects on demand.
  pool.on('error', (error) => options.onPoolError?.(error));
  // A client that is checked out (mid-query, mid-transaction) when the server goes away emits
  // 'error' on itself, not on the pool, and an 'error' event without a listener kills the
  // process: every Postgres restart would crash every runq process. The query in flight is
  // rejected anyway, and the pool drops the dead client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    // Queued before the query the connection was opened for. Should it fail, the connection is
    // broken and that query fails too.
    if (options.indexLookupsOnly) client.query('set enable_seqscan = off').catch(() => undefined);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
}

/**
 * The pool as Kysely sees it: a query whose text is a `PreparedStatement`'s is sent by name,
 * so each connection parses and plans it once (pg prepares it on first use per connection).
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      return {
        // Kysely calls query(cursor) only when given a cursor class, which runq never does.
        query: ((text: string, values: readonly unknown[]) => {
          const name = preparedStatementName(text);
          return client.query(name === undefined ? { text, values: values as unknown[] } : { name, text, values: values as unknown[] });
        }) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => pool.end(),
  };
}

/** Resolves when the database answers a trivial query. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
