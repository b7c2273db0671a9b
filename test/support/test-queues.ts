import { RunQueues } from '@runq/queue';
import type { RunKind } from '@runq/runs';
import type { TestApi } from './harness.js';

/**
 * The queues of a test API (same backend, database and prefix), for a test to look at or
 * tamper with its own jobs: the harness's Redis is shared by every test file, so a test only
 * ever touches jobs under its API's prefix.
 */
export function openTestQueues(api: TestApi): RunQueues {
  return RunQueues.open({ databaseUrl: api.database.url, redisUrl: api.config.redisUrl, prefix: api.config.queuePrefix });
}

/** The run's current dispatch (queue job id), read from the run store. */
export async function jobIdOf(api: TestApi, runId: string): Promise<string> {
  const row = await api.db.selectFrom('runs').select('job_id').where('id', '=', runId).executeTakeFirstOrThrow();
  return row.job_id;
}

/** The BullMQ state of the run's current dispatch, or undefined when the queue has no such job. */
export async function jobStateOf(api: TestApi, queues: RunQueues, kind: RunKind, runId: string): Promise<string | undefined> {
  return queues.jobState(kind, await jobIdOf(api, runId));
}
