/**
 * `@runq/local`: local PostgreSQL and Redis servers for `runq start` (a persistent cluster under
 * `./.runq/`) and for the test harness (throwaway servers on free loopback ports). Servers run
 * as child processes of the caller and never outlive it. See README.md.
 */
export { findFreePort } from './find-free-port.js';
export { startLocalPostgres, type LocalPostgres, type StartLocalPostgresOptions } from './start-local-postgres.js';
export { startLocalRedis, type LocalRedis, type StartLocalRedisOptions } from './start-local-redis.js';
export { startLocalRedisCluster, type LocalRedisCluster, type StartLocalRedisClusterOptions } from './start-local-redis-cluster.js';
export { ensureRedisCli, ensureRedisServer, type EnsureRedisServerOptions } from './ensure-redis-server.js';
export {
  ChromiumNotInstalledError,
  ClusterInUseError,
  ClusterStateError,
  InvalidDatabaseNameError,
  LocalServerError,
  RedisNotInstalledError,
  ServerStartError,
  TemplateInUseError,
  type LocalServerErrorCode,
} from './errors.js';
export { ensureChromium } from './ensure-chromium.js';
export { withAdminClient } from './postgres-admin.js';
