import type { LocalPostgres, LocalRedis, LocalRedisCluster } from '@runq/local';

/** Environment variables through which the global setup tells test files where the servers are. */
export const HARNESS_ENV = {
  postgresUrl: 'RUNQ_TEST_POSTGRES_URL',
  redisUrl: 'RUNQ_TEST_REDIS_URL',
  /** `redis+cluster://…` of the three-master Redis Cluster. */
  redisClusterUrl: 'RUNQ_TEST_REDIS_CLUSTER_URL',
  workDir: 'RUNQ_TEST_DIR',
} as const;

/** The migrated database every test database is cloned from. */
export const TEMPLATE_DATABASE = 'runq_template';

/** What the global teardown stops. */
export interface HarnessHandles {
  postgres: LocalPostgres;
  redis: LocalRedis;
  redisCluster: LocalRedisCluster;
  dir: string;
}
