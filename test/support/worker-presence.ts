import { sql } from 'kysely';
import { WORKER_PRESENCE_NAMESPACE } from '@runq/db';
import type { TestApi } from './harness.js';
import type { CliProcess, WorkerEnvOverrides } from './worker-process.js';

/**
 * The settings the process suites shorten, removed: a worker started with these runs on runq's
 * defaults (a 30 s lease, a reconciler pass every 5 s).
 */
export const DEFAULT_LEASE_SETTINGS: WorkerEnvOverrides = {
  RUNQ_WORKER_LEASE_MS: undefined,
  RUNQ_RECONCILE_INTERVAL_MS: undefined,
  RUNQ_RECONCILE_GRACE_MS: undefined,
};

/** The JSON log lines of a process, in order (other lines left out). */
export function logLines(worker: CliProcess): any[] {
  return worker.stdout.flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

/** The presence id a worker process logged when it started (`worker started`). */
export function presenceIdOf(worker: CliProcess): number {
  const started = logLines(worker).find((line) => line?.msg === 'worker started');
  if (typeof started?.presenceId !== 'number') throw new Error(`process ${worker.pid} logged no presence id`);
  return started.presenceId;
}

/** Whether the last thing a worker said about the reconciler's leadership is that it leads. */
export function claimsLeadership(worker: CliProcess): boolean {
  const said = logLines(worker).filter(
    (line) => line?.msg === 'this process is now the reconciler' || line?.msg === 'this process is no longer the reconciler',
  );
  return said.at(-1)?.msg === 'this process is now the reconciler';
}

/** Server process ids of the sessions holding the presence lock of `presenceId` in the API's database. */
export async function presenceSessions(api: TestApi, presenceId: number): Promise<number[]> {
  const result = await sql<{ pid: number }>`
    select pid from pg_locks
    where locktype = 'advisory' and granted and objsubid = 2
      and database = (select oid from pg_database where datname = current_database())
      and classid::bigint = ${WORKER_PRESENCE_NAMESPACE} and objid::bigint = ${presenceId}`.execute(api.db);
  return result.rows.map((row) => row.pid);
}

/** Terminates the sessions holding the presence lock of `presenceId` (as a Postgres restart or a network cut would end them); returns how many. */
export async function terminatePresence(api: TestApi, presenceId: number): Promise<number> {
  const pids = await presenceSessions(api, presenceId);
  for (const pid of pids) await sql`select pg_terminate_backend(${pid})`.execute(api.db);
  return pids.length;
}

/** The presence id recorded on a run (`runs.lease_holder`). */
export async function leaseHolderOf(api: TestApi, runId: string): Promise<number | null> {
  const row = await api.db.selectFrom('runs').select('lease_holder').where('id', '=', runId).executeTakeFirstOrThrow();
  return row.lease_holder;
}
