import { randomUUID } from 'node:crypto';
import { claimRuns, insertRun, insertRuns, openDatabase, settleAttempts, toJson, transitionRun } from '@runq/db';
import { CREATED_EVENT_DATA, taskRunRow } from '../systems/run-rows.js';
import type { Producer } from './producer.js';
import type { ProducerSpec } from './protocol.js';

/*
 * What-if experiments at the SQL level: the statements a run costs in PostgreSQL, through runq's
 * own repository functions, one run per statement or batched across runs. No HTTP, no queue:
 * what PostgreSQL alone allows.
 */

/** The settlement of an attempt that completed with nothing to report, as a worker writes it. */
export function completionOf(claim: { runId: string; leaseToken: string }) {
  return {
    runId: claim.runId,
    leaseToken: claim.leaseToken,
    transition: 'complete' as const,
    set: { output: toJson(null), logs: null, artifacts: '[]', exit_code: null },
  };
}

/** Opens a what-if producer: each `send` is one unit of `spec.batch` runs (1 for the unbatched variants). */
export function openSqlWhatIf(spec: Extract<ProducerSpec, { kind: 'sql-whatif' }>): Producer {
  const db = openDatabase(spec.databaseUrl, { maxConnections: spec.poolSize, applicationName: 'runq-bench-whatif' });
  const rows = (seq: number, sentAt: number) => Array.from({ length: spec.batch }, (_, i) => taskRunRow(spec.projectId, seq * spec.batch + i, sentAt));
  const send = async (seq: number, sentAt: number): Promise<void> => {
    switch (spec.variant) {
      case 'insert': {
        const [row] = rows(seq, sentAt);
        if (!row || !(await insertRun(db, row, CREATED_EVENT_DATA))) throw new Error('insertRun returned nothing');
        return;
      }
      case 'insert-batched':
        await insertRuns(
          db,
          rows(seq, sentAt).map((run) => ({ run, eventData: CREATED_EVENT_DATA })),
        );
        return;
      case 'lifecycle': {
        // What a run costs today: the API's insert, then the worker's read, claim and completion.
        const [row] = rows(seq, sentAt);
        if (!row || !(await insertRun(db, row, CREATED_EVENT_DATA))) throw new Error('insertRun returned nothing');
        const leaseToken = randomUUID();
        const claimed = await transitionRun(db, {
          runId: row.id,
          transition: 'claim',
          jobId: row.job_id,
          claim: { leaseToken, leaseMs: 30_000 },
          data: { worker: 'bench', job_id: row.job_id },
        });
        if (!claimed.moved) throw new Error('claim did not move');
        const done = await transitionRun(db, completionOf({ runId: row.id, leaseToken }));
        if (!done.moved) throw new Error('complete did not move');
        return;
      }
      case 'lifecycle-batched': {
        const batch = rows(seq, sentAt);
        const claims = batch.map((row) => ({ runId: row.id, jobId: row.job_id, leaseToken: randomUUID(), data: { worker: 'bench' } }));
        await insertRuns(
          db,
          batch.map((run) => ({ run, eventData: CREATED_EVENT_DATA })),
        );
        await claimRuns(db, claims, 30_000);
        await settleAttempts(db, claims.map(completionOf));
        return;
      }
    }
  };
  return {
    send,
    async close() {
      await db.destroy();
    },
  };
}
