import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CompiledQuery, sql } from 'kysely';
import {
  claimRuns,
  insertRuns,
  openDatabase,
  RUN_COLUMNS,
  RUN_TRANSITION_STATEMENTS,
  settleAttempts,
  toJson,
  transitionParameters,
  transitionRuns,
  type AttemptSettlement,
  type Db,
  type NewRunRow,
} from '@runq/db';
import { newRunId } from '@runq/runs';
import { useOwnDatabase } from '../support/harness.js';
import { taskRunRow } from '../support/run-rows.js';

const PROJECT = randomUUID();

function newRun(at = new Date()): NewRunRow {
  return taskRunRow(newRunId(at.getTime()), PROJECT);
}

/** Every node of an `EXPLAIN (FORMAT JSON)` plan, subplans and init plans included. */
function planNodes(plan: unknown): Record<string, unknown>[] {
  if (Array.isArray(plan)) return plan.flatMap(planNodes);
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as Record<string, unknown>;
  return [node, ...Object.values(node).flatMap(planNodes)];
}

/** Every index the plan of `text` (run with `parameters`) reads. */
async function indexesRead(client: pg.Client, text: string, parameters: unknown[]): Promise<string[]> {
  const result = await client.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${text}`, parameters);
  return planNodes(result.rows[0]?.['QUERY PLAN']).flatMap((node) => (typeof node['Index Name'] === 'string' ? [node['Index Name']] : []));
}

/** `value` as an SQL literal: a number, a quoted text, or an array literal (EXPLAIN EXECUTE takes no bind parameters). */
function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  const elements = (value as readonly (string | number | null)[]).map((element) =>
    element === null ? 'NULL' : typeof element === 'number' ? String(element) : `"${element.replace(/["\\]/g, '\\$&')}"`,
  );
  return `'{${elements.join(',').replace(/'/g, "''")}}'`;
}

/** The settlement of an attempt that completed with nothing to report. */
function completion(runId: string, leaseToken: string): AttemptSettlement {
  return { runId, leaseToken, transition: 'complete', set: { output: null, logs: null, artifacts: '[]', exit_code: null } };
}

/**
 * Scans of `runs` that read the whole table (no index condition) in the plan prepared statement
 * `name` runs with for these arguments, as `Node Type` names.
 */
async function fullScansOfRuns(db: Db, name: string, parameters: readonly unknown[]): Promise<string[]> {
  const { rows } = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
    CompiledQuery.raw(`explain (format json) execute ${name}(${parameters.map(literal).join(', ')})`),
  );
  return planNodes(rows[0]?.['QUERY PLAN']).flatMap((node) => {
    const type = node['Node Type'];
    const wholeTable = type === 'Seq Scan' || ((type === 'Index Scan' || type === 'Index Only Scan') && !('Index Cond' in node));
    return node['Relation Name'] === 'runs' && wholeTable ? [String(type)] : [];
  });
}

describe('run write statements (prepared, fixed text)', () => {
  // One connection: every statement below runs on the session whose prepared statements are inspected.
  const database = useOwnDatabase();

  it('when the table is read, then RUN_COLUMNS names every column of runs in table order', async () => {
    const result = await sql<{ column_name: string }>`
      select column_name from information_schema.columns where table_name = 'runs' and table_schema = current_schema() order by ordinal_position`.execute(
      database.db,
    );
    expect(RUN_COLUMNS).toEqual(result.rows.map((row) => row.column_name));
  });

  it('when runs are inserted, claimed and settled, then each statement is prepared once on the connection and applies its changes', async () => {
    const runs = [newRun(), newRun(), newRun()];
    const inserted = await insertRuns(
      database.db,
      runs.map((run) => ({ run, eventData: { via: 'test' } })),
    );
    expect(inserted.map((row) => row?.id)).toEqual(runs.map((run) => run.id));
    expect(inserted[0]).toMatchObject({ status: 'pending', executor: 'worker', attempt: 0, event_seq: 1, artifacts: [] });
    const second = newRun();
    expect((await insertRuns(database.db, [{ run: second }]))[0]?.id).toBe(second.id);

    const claims = runs.map((run, index) => ({ runId: run.id, jobId: run.job_id, leaseToken: randomUUID(), leaseHolder: index === 0 ? null : 40 + index }));
    const claimed = await claimRuns(database.db, claims, 30_000);
    expect(claimed.map((entry) => entry?.run.status)).toEqual(['running', 'running', 'running']);
    expect(claimed.map((entry) => entry?.run.lease_holder)).toEqual([null, 41, 42]);
    const settled = await settleAttempts(database.db, [
      {
        runId: claims[0]!.runId,
        leaseToken: claims[0]!.leaseToken,
        transition: 'complete',
        set: { output: '{"ok":true}', logs: null, artifacts: '[]', exit_code: 0 },
      },
      {
        runId: claims[1]!.runId,
        leaseToken: claims[1]!.leaseToken,
        transition: 'fail',
        set: { error: '{"message":"no"}', logs: 'line' },
        data: { error: { message: 'no' } },
      },
      {
        runId: claims[2]!.runId,
        leaseToken: claims[2]!.leaseToken,
        transition: 'wait',
        set: { waiting_reason: 'approval', logs: null, resume_data: null },
        waitTimeoutMs: 60_000,
      },
    ]);
    expect(settled.map((entry) => entry?.status)).toEqual(['completed', 'failed', 'waiting']);
    const holders = await database.db
      .selectFrom('runs')
      .select('lease_holder')
      .where(
        'id',
        'in',
        runs.map((run) => run.id),
      )
      .execute();
    expect(holders.map((row) => row.lease_holder)).toEqual([null, null, null]);

    const prepared = await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(database.db);
    expect(prepared.rows.map((row) => row.name)).toEqual(['runq_claim_runs', 'runq_insert_runs', 'runq_settle_attempts']);
    const events = await sql<{ run_id: string; to_status: string; data: unknown }>`
      select run_id, to_status, data from run_events where run_id = ${runs[0]?.id} order by seq`.execute(database.db);
    expect(events.rows.map((row) => row.to_status)).toEqual(['pending', 'running', 'completed']);
    expect(events.rows[0]?.data).toEqual({ via: 'test' });
  });

  it('when a migration adds a column to runs, then the prepared statements keep working on connections that prepared them', async () => {
    await insertRuns(database.db, [{ run: newRun() }]);
    await sql`alter table runs add column later_column text`.execute(database.db);
    try {
      const run = newRun();
      const [row] = await insertRuns(database.db, [{ run }]);
      expect(row?.id).toBe(run.id);
      expect(row).not.toHaveProperty('later_column');
      const [claimed] = await claimRuns(database.db, [{ runId: run.id, jobId: run.job_id, leaseToken: randomUUID() }], 30_000);
      expect(claimed?.run.status).toBe('running');
    } finally {
      await sql`alter table runs drop column later_column`.execute(database.db);
    }
  });

  it('when a backlog built up after the last ANALYZE, then a claim still finds its runs by id instead of scanning a status index', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('truncate runs, run_events cascade');
      // Statistics of an empty table, kept stale: autovacuum must not analyze it meanwhile.
      await client.query('alter table runs set (autovacuum_enabled = false)');
      await client.query('analyze runs');
      const backlog = Array.from({ length: 5_000 }, () => newRun());
      for (let from = 0; from < backlog.length; from += 500) {
        await insertRuns(
          database.db,
          backlog.slice(from, from + 500).map((run) => ({ run })),
        );
      }
      const picked = backlog.slice(100, 103);
      const claim = RUN_TRANSITION_STATEMENTS.claimRuns;
      const parameters = transitionParameters(
        claim,
        picked.map((run) => ({ runId: run.id, transition: 'claim', jobId: run.job_id, claim: { leaseToken: randomUUID(), leaseMs: 30_000 } })),
        { executor: 'worker' },
      );
      // Every index whose key or predicate is the status (the backlog index is one of pending runs).
      const statusIndexes = ['runs_unfinished_idx', 'runs_status_idx', 'runs_project_status_idx', 'runs_backlog_idx'];
      const { text } = claim.statement;
      // The trap is real here: the same statement with a plain status guard scans the backlog.
      const plain = text.replace("(r.status = any('{pending}'::text[])) is true", "r.status = any('{pending}'::text[])");
      expect(plain).not.toBe(text);
      expect((await indexesRead(client, plain, parameters)).some((name) => statusIndexes.includes(name))).toBe(true);
      const used = await indexesRead(client, text, parameters);
      expect(used).toContain('runs_pkey');
      expect(used.filter((name) => statusIndexes.includes(name))).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('when runs grows after its statistics saw a few rows, then on a worker pool the claim and settlement still find runs by id', async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // One connection each, so that the plans inspected are those of the sessions that ran the statements.
    const plain = openDatabase(database.url, { maxConnections: 1 });
    const worker = openDatabase(database.url, { maxConnections: 1, indexLookupsOnly: true });
    try {
      // Statistics gathered while the table held three runs (autovacuum is off for it in this file).
      await admin.query('truncate runs, run_events cascade');
      await insertRuns(
        database.db,
        [newRun(), newRun(), newRun()].map((run) => ({ run })),
      );
      await admin.query('analyze runs');
      // Six calls: from its sixth call on, Postgres may keep one plan for a prepared statement.
      const runSixTimes = async (db: Db) => {
        let last: { run: NewRunRow; leaseToken: string } | undefined;
        for (let call = 0; call < 6; call += 1) {
          const run = newRun();
          await insertRuns(db, [{ run }]);
          const leaseToken = randomUUID();
          await claimRuns(db, [{ runId: run.id, jobId: run.job_id, leaseToken }], 30_000);
          await settleAttempts(db, [completion(run.id, leaseToken)]);
          last = { run, leaseToken };
        }
        if (!last) throw new Error('no call was made');
        return last;
      };
      const calls = { plain: await runSixTimes(plain), worker: await runSixTimes(worker) };
      // The table grows; its statistics stay those of three runs.
      const backlog = Array.from({ length: 3_000 }, () => newRun());
      for (let from = 0; from < backlog.length; from += 500) {
        await insertRuns(
          database.db,
          backlog.slice(from, from + 500).map((run) => ({ run })),
        );
      }
      const { claimRuns: claim, settleAttempts: settle } = RUN_TRANSITION_STATEMENTS;
      const wholeTableScans = async (db: Db, { run, leaseToken }: { run: NewRunRow; leaseToken: string }) => ({
        claim: await fullScansOfRuns(
          db,
          claim.statement.name,
          transitionParameters(claim, [{ runId: run.id, transition: 'claim', jobId: run.job_id, claim: { leaseToken, leaseMs: 30_000 } }], {
            executor: 'worker',
          }),
        ),
        complete: await fullScansOfRuns(db, settle.statement.name, transitionParameters(settle, [completion(run.id, leaseToken)])),
      });
      // The trap is real here: the plan kept from the small table reads all of runs for every batch.
      const kept = await wholeTableScans(plain, calls.plain);
      expect(kept.claim.length + kept.complete.length).toBeGreaterThan(0);
      expect(await wholeTableScans(worker, calls.worker)).toEqual({ claim: [], complete: [] });
    } finally {
      await Promise.all([plain.destroy(), worker.destroy()]);
      await admin.end();
    }
  });
});

describe('transition times', () => {
  const own = useOwnDatabase();

  it('when a transaction that began before another one moved the run then moves it too, then its event is not dated before the one it follows', async () => {
    const run = newRun();
    await insertRuns(own.db, [{ run }]);
    const other = openDatabase(own.url, { maxConnections: 1 });
    try {
      await own.db.transaction().execute(async (trx) => {
        // The transaction's clock (now()) stands at its start, before the other connection's claim.
        const started = await sql<{ now: Date }>`select now() as now`.execute(trx);
        const [claimed] = await claimRuns(other, [{ runId: run.id, jobId: run.job_id, leaseToken: randomUUID(), leaseHolder: null }], 30_000);
        expect(claimed?.run.updated_at.getTime()).toBeGreaterThan(started.rows[0]!.now.getTime());
        const error = { message: 'stopped', code: 'cancelled' };
        const [cancelled] = await transitionRuns(trx, [{ runId: run.id, transition: 'cancel', set: { error: toJson(error) }, data: { error } }]);
        expect(cancelled?.status).toBe('cancelled');
      });
      const events = await sql<{
        seq: number;
        at: Date;
        to_status: string;
      }>`select seq, at, to_status from run_events where run_id = ${run.id} order by seq`.execute(own.db);
      expect(events.rows.map((event) => event.to_status)).toEqual(['pending', 'running', 'cancelled']);
      const [created, running, cancelled] = events.rows.map((event) => event.at.getTime());
      expect(running).toBeGreaterThanOrEqual(created!);
      expect(cancelled).toBeGreaterThanOrEqual(running!);
    } finally {
      await other.destroy();
    }
  });
});
