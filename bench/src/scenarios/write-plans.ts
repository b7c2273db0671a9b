import { randomUUID } from 'node:crypto';
import { claimRuns, insertRuns, settleAttempts } from '@runq/db';
import { completionOf } from '../load/sql-whatif.js';
import type { Lab } from '../lab.js';
import { captureQuery, explainAnalyze } from '../profile/explain.js';
import { CREATED_EVENT_DATA, taskRunRow } from '../systems/run-rows.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';

/** Runs per statement in the plans: a batch of the size the API and worker share at moderate load. */
const BATCH = 10;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the three statements every run shares on the write path, exactly
 * as runq's repository functions send them: the insert (runs + first events), the claim and the
 * completion, each for a batch of {@link BATCH} runs. Each runs in a transaction that is rolled back.
 */
export async function writePathPlans(lab: Lab, deployment: RunqDeployment): Promise<Record<string, string>> {
  const rows = Array.from({ length: BATCH }, (_, seq) => taskRunRow(deployment.projectId, seq, Date.now()));
  const claims = rows.map((row) => ({ runId: row.id, jobId: row.job_id, leaseToken: randomUUID(), data: { worker: 'bench', job_id: row.job_id } }));
  const insert = await captureQuery((db) =>
    insertRuns(
      db,
      rows.map((run) => ({ run, eventData: CREATED_EVENT_DATA })),
    ),
  );
  const claim = await captureQuery((db) => claimRuns(db, claims, 30_000));
  const complete = await captureQuery((db) => settleAttempts(db, claims.map(completionOf)));
  return lab.servers.withClient(deployment.target.databaseUrl, async (client) => ({
    [`insertRuns, ${BATCH} runs (POST /runs)`]: await explainAnalyze(client, insert, { rollback: true }),
    [`claimRuns, ${BATCH} runs (worker)`]: await explainAnalyze(client, claim, { rollback: true, setup: [insert] }),
    [`settleAttempts (completed), ${BATCH} runs (worker)`]: await explainAnalyze(client, complete, { rollback: true, setup: [insert, claim] }),
  }));
}
