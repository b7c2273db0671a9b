import { randomUUID } from 'node:crypto';
import { insertRun, toJson, transitionRun } from '@runq/db';
import type { Lab } from '../lab.js';
import { captureQuery, explainAnalyze } from '../profile/explain.js';
import { CREATED_EVENT_DATA, taskRunRow } from '../systems/run-rows.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the three statements every run costs on the write path, exactly
 * as runq's repository functions build them: the insert (run + first event), the claim and the
 * completion. Each runs in a transaction that is rolled back.
 */
export async function writePathPlans(lab: Lab, deployment: RunqDeployment): Promise<Record<string, string>> {
  const row = taskRunRow(deployment.projectId, 1, Date.now());
  const leaseToken = randomUUID();
  const insert = await captureQuery((db) => insertRun(db, row, CREATED_EVENT_DATA));
  const claim = await captureQuery((db) =>
    transitionRun(db, { runId: row.id, transition: 'claim', claim: { leaseToken, leaseMs: 30_000 }, data: { worker: 'bench', job_id: row.id } }),
  );
  const complete = await captureQuery((db) =>
    transitionRun(db, { runId: row.id, leaseToken, transition: 'complete', set: { output: toJson(null), logs: null, artifacts: '[]', exit_code: null } }),
  );
  return lab.servers.withClient(deployment.target.databaseUrl, async (client) => ({
    'insertRun (POST /runs)': await explainAnalyze(client, insert, { rollback: true }),
    'transitionRun claim (worker)': await explainAnalyze(client, claim, { rollback: true, setup: [insert] }),
    'transitionRun complete (worker)': await explainAnalyze(client, complete, { rollback: true, setup: [insert, claim] }),
  }));
}
