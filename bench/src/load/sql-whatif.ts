import { randomUUID } from 'node:crypto';
import { findRun, insertRun, openDatabase, toJson, transitionRun, type Db, type NewRunRow } from '@runq/db';
import { sql } from 'kysely';
import { CREATED_EVENT_DATA, taskRunRow } from '../systems/run-rows.js';
import type { Producer } from './producers.js';
import type { ProducerSpec } from './protocol.js';

/*
 * What-if experiments at the SQL level: the statements a run costs in PostgreSQL, as runq sends
 * them today (its own repository functions) and batched across runs (prototypes of a proposed
 * change, written here and nowhere else). No HTTP, no queue: what PostgreSQL alone allows.
 */

/** Inserts many runs and their first events in one statement (prototype of a batched `insertRun`). */
async function insertRuns(db: Db, rows: NewRunRow[]): Promise<void> {
  await db
    .with('created', (qb) => qb.insertInto('runs').values(rows).returning(['id', 'event_seq', 'status', 'attempt', 'created_at']))
    .insertInto('run_events')
    .columns(['run_id', 'seq', 'from_status', 'to_status', 'attempt', 'at', 'data'])
    .expression((eb) =>
      eb
        .selectFrom('created')
        .select(['id', 'event_seq', sql<null>`null`.as('from_status'), 'status', 'attempt', 'created_at', sql<string>`${toJson(CREATED_EVENT_DATA)}::jsonb`.as('data')]),
    )
    .execute();
}

/** Claims many pending runs in one statement, each under its own lease token (prototype). */
async function claimRuns(db: Db, ids: string[], tokens: string[]): Promise<void> {
  // The sql tag: Kysely's builder has no UPDATE … FROM unnest(…) with per-row values.
  await sql`
    with input as (select unnest(${ids}::text[]) as id, unnest(${tokens}::uuid[]) as token),
    moved as (
      update runs r set previous_status = r.status, status = 'running', event_seq = r.event_seq + 1, updated_at = now(),
             attempt = r.attempt + 1, started_at = coalesce(r.started_at, now()), lease_token = i.token,
             lease_expires_at = now() + interval '30 seconds', waiting_reason = null, wait_deadline_at = null
        from input i where r.id = i.id and r.status = 'pending'
      returning r.id, r.event_seq, r.previous_status, r.status, r.attempt, r.updated_at)
    insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
    select id, event_seq, previous_status, status, attempt, updated_at, ${toJson({ worker: 'bench' })}::jsonb from moved`.execute(db);
}

/** Completes many running runs in one statement, fenced by their lease tokens (prototype). */
async function completeRuns(db: Db, ids: string[], tokens: string[]): Promise<void> {
  await sql`
    with input as (select unnest(${ids}::text[]) as id, unnest(${tokens}::uuid[]) as token),
    moved as (
      update runs r set previous_status = r.status, status = 'completed', event_seq = r.event_seq + 1, updated_at = now(),
             lease_token = null, lease_expires_at = null, waiting_reason = null, wait_deadline_at = null,
             output = null, artifacts = '[]'::jsonb, exit_code = null, completed_at = now(),
             duration_ms = (extract(epoch from now() - r.started_at) * 1000)::integer
        from input i where r.id = i.id and r.status = 'running' and r.lease_token = i.token
      returning r.id, r.event_seq, r.previous_status, r.status, r.attempt, r.updated_at)
    insert into run_events (run_id, seq, from_status, to_status, attempt, at, data)
    select id, event_seq, previous_status, status, attempt, updated_at, null from moved`.execute(db);
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
        await insertRuns(db, rows(seq, sentAt));
        return;
      case 'lifecycle': {
        // What a run costs today: the API's insert, then the worker's read, claim and completion.
        const [row] = rows(seq, sentAt);
        if (!row || !(await insertRun(db, row, CREATED_EVENT_DATA))) throw new Error('insertRun returned nothing');
        const run = await findRun(db, row.id);
        if (!run) throw new Error('run not found');
        const leaseToken = randomUUID();
        const claimed = await transitionRun(db, { runId: run.id, transition: 'claim', claim: { leaseToken, leaseMs: 30_000 }, data: { worker: 'bench', job_id: run.id } });
        if (!claimed.moved) throw new Error('claim did not move');
        const done = await transitionRun(db, {
          runId: run.id,
          leaseToken,
          transition: 'complete',
          set: { output: toJson(null), logs: null, artifacts: '[]', exit_code: null },
        });
        if (!done.moved) throw new Error('complete did not move');
        return;
      }
      case 'lifecycle-batched': {
        const batch = rows(seq, sentAt);
        const ids = batch.map((row) => row.id);
        const tokens = batch.map(() => randomUUID());
        await insertRuns(db, batch);
        await claimRuns(db, ids, tokens);
        await completeRuns(db, ids, tokens);
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
