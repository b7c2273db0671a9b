import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import * as initial from '../migrations/2026_11_29_000000_initial.js';
import * as operatorIndexes from '../migrations/2026_11_29_010000_operator_indexes.js';
import * as rateLimits from '../migrations/2026_11_29_020000_rate_limits.js';
import * as finishedRunsIndex from '../migrations/2026_11_29_030000_finished_runs_index.js';
import * as runsCreatedIndex from '../migrations/2026_11_29_040000_runs_created_index.js';
import * as createdAtFromRunId from '../migrations/2026_11_29_050000_created_at_from_run_id.js';
import * as requestHashForPublicIds from '../migrations/2026_12_03_000000_request_hash_for_public_ids.js';
import * as runLeaseHolder from '../migrations/2026_12_07_000000_run_lease_holder.js';
import * as flowControl from '../migrations/2026_12_07_020000_flow_control.js';
import * as runTraceparent from '../migrations/2026_12_07_030000_run_traceparent.js';
import * as schedules from '../migrations/2026_12_07_030000_schedules.js';
import * as runsBacklogIndex from '../migrations/2026_12_07_040000_runs_backlog_index.js';
import * as workerTargets from '../migrations/2026_12_07_050000_worker_targets.js';
import * as fairShare from '../migrations/2026_12_07_060000_fair_share.js';
import * as batches from '../migrations/2026_12_07_070000_batches.js';
import * as webhookEndpoints from '../migrations/2026_12_07_080000_webhook_endpoints.js';
import * as webhookSubscriptions from '../migrations/2026_12_07_090000_webhook_subscriptions.js';
import * as webhookDeliveryOrder from '../migrations/2026_12_07_100000_webhook_delivery_order.js';
import * as runsErrorCodeIndex from '../migrations/2026_12_07_110000_runs_error_code_index.js';
import * as bulkActionChunkFailures from '../migrations/2026_12_07_120000_bulk_action_chunk_failures.js';

/**
 * The migrations, in order. Listed statically (not read from a folder at run time) so they
 * load the same way from `src/` under Jest and from `dist/` in production.
 * A migration that has shipped is never edited: add a new one.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '2026_11_29_000000_initial': initial,
  '2026_11_29_010000_operator_indexes': operatorIndexes,
  '2026_11_29_020000_rate_limits': rateLimits,
  '2026_11_29_030000_finished_runs_index': finishedRunsIndex,
  '2026_11_29_040000_runs_created_index': runsCreatedIndex,
  '2026_11_29_050000_created_at_from_run_id': createdAtFromRunId,
  '2026_12_03_000000_request_hash_for_public_ids': requestHashForPublicIds,
  '2026_12_07_000000_run_lease_holder': runLeaseHolder,
  '2026_12_07_020000_flow_control': flowControl,
  '2026_12_07_030000_run_traceparent': runTraceparent,
  '2026_12_07_030000_schedules': schedules,
  '2026_12_07_040000_runs_backlog_index': runsBacklogIndex,
  '2026_12_07_050000_worker_targets': workerTargets,
  '2026_12_07_060000_fair_share': fairShare,
  '2026_12_07_070000_batches': batches,
  '2026_12_07_080000_webhook_endpoints': webhookEndpoints,
  '2026_12_07_090000_webhook_subscriptions': webhookSubscriptions,
  '2026_12_07_100000_webhook_delivery_order': webhookDeliveryOrder,
  '2026_12_07_110000_runs_error_code_index': runsErrorCodeIndex,
  '2026_12_07_120000_bulk_action_chunk_failures': bulkActionChunkFailures,
};

const provider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/** Names of every migration this build knows, oldest first. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

/**
 * Applies every pending migration. Forward-only: there is no `down`. Concurrent callers are
 * safe (Kysely takes an advisory lock). The result lists what ran; a failure is returned,
 * not thrown, so the caller can report which migration failed.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  return new Migrator({ db, provider }).migrateToLatest();
}

/** Names of the migrations not yet applied to `db` (empty when the schema is current). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const infos = await new Migrator({ db, provider }).getMigrations();
  return infos.filter((info) => info.executedAt === undefined).map((info) => info.name);
}
