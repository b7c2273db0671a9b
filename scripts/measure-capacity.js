#!/usr/bin/env node
// Measures the figures of README.md's "Capacity" section on this machine: a durable local
// PostgreSQL (fsync on) and a local Redis (AOF off), `runq api` and `runq worker` as real
// processes.
//   npm run build && node scripts/measure-capacity.js [runs=5000] [fill=1000000]
// 1. Queue N no-op task runs through the API with no worker running: Postgres commits, rows
//    written and WAL bytes per created run, Redis memory per queued run (INFO memory).
// 2. Drain them with one worker process (--kinds task --concurrency 32), then queue N more and
//    drain with two: runs/s, worker CPU per run (runs/s per worker core), Postgres CPU, commits,
//    rows written and WAL bytes per executed run.
// 3. Growth: copy the finished runs (and their events) until the tables hold `fill` runs, with
//    time-ordered ids as runq's are, VACUUM, and report heap, TOAST and index bytes per million
//    runs; then delete 100,000 of them the way retention does (batches of 500) and report the
//    time and WAL that cost, the figure behind partitioning by creation time.
// Prints one JSON document. Everything listens on 127.0.0.1 and is removed at the end.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApiKey } from '@runq/auth';
import { deleteFinishedRuns, openDatabase } from '@runq/db';
import { startLocalPostgres, startLocalRedis } from '@runq/local';

const RUNS = Number(process.argv[2] ?? 5000);
const FILL = Number(process.argv[3] ?? 1_000_000);
const RETENTION_SAMPLE = Math.min(100_000, FILL);
const CLIENTS = 32;
const CONCURRENCY = 32;
const ROOT = new URL('..', import.meta.url).pathname;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const dir = await mkdtemp(join(tmpdir(), 'runq-capacity-'));
const children = [];
const postgres = await startLocalPostgres({ dataDir: join(dir, 'postgres'), persistent: true });
const redis = await startLocalRedis({ dir: join(dir, 'redis') });
const report = { runs_per_batch: RUNS, machine: { cpus: (await import('node:os')).cpus().length, load_at_start: (await import('node:os')).loadavg()[0] } };
try {
  const databaseUrl = await postgres.createDatabase('capacity');
  const env = { PATH: process.env.PATH, DATABASE_URL: databaseUrl, REDIS_URL: redis.url, RUNQ_QUEUE_PREFIX: 'capacity', LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  await run(['migrate'], env).exited;
  const db = openDatabase(databaseUrl, { maxConnections: 2 });
  const project = randomUUID();
  const key = (await createApiKey(db, { projectIds: [project], name: 'capacity' })).token;
  const api = run(['api'], { ...env, PORT: '0' });
  const url = JSON.parse(await api.line((line) => line.includes('api listening'))).url;
  const handlers = join(dir, 'noop.mjs');
  await writeFile(handlers, "export default { task: { '*': () => ({ output: null }) } };\n");
  const client = new Redis(redis.url);
  const stats = new pg.Client({ connectionString: databaseUrl });
  await stats.connect();

  // What Postgres wrote: commits, rows inserted/updated/deleted, WAL bytes. Backends report
  // their counters to pg_stat_database when idle, at most every 10 s (PGSTAT_IDLE_INTERVAL) or
  // on exit: wait that out before reading. WAL positions are exact.
  const writes = async () => {
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const row = (
      await stats.query(`select xact_commit, tup_inserted + tup_updated + tup_deleted as rows, pg_current_wal_lsn() as lsn
        from pg_stat_database where datname = current_database()`)
    ).rows[0];
    return { commits: Number(row.xact_commit), rows: Number(row.rows), lsn: row.lsn };
  };
  const writesSince = async (before, runs) => {
    const after = await writes();
    const wal = Number((await stats.query('select pg_wal_lsn_diff($1, $2) as bytes', [after.lsn, before.lsn])).rows[0].bytes);
    return {
      commits_per_run: +((after.commits - before.commits) / runs).toFixed(2),
      rows_written_per_run: +((after.rows - before.rows) / runs).toFixed(2),
      wal_bytes_per_run: Math.round(wal / runs),
    };
  };
  // Postgres CPU: the postmaster's own time, its reaped children's (cutime + cstime) and its
  // live children's.
  const postmasterPid = Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const postgresCpuSeconds = () => {
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let fields;
      try {
        fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      } catch {
        continue; // exited meanwhile
      }
      const pid = Number(entry);
      if (pid === postmasterPid) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (Number(fields[1]) === postmasterPid) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / TICKS_PER_SECOND;
  };
  const redisMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);
  const completed = async () => Number((await stats.query("select count(*) from runs where status = 'completed'")).rows[0].count);
  const cpuSeconds = (pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
  };
  const create = async () => {
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < RUNS) {
          next += 1;
          const response = await fetch(`${url}/runs`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'noop' } }),
          });
          if (response.status !== 202) throw new Error(`POST /runs answered ${response.status}`);
          await response.arrayBuffer();
        }
      }),
    );
    return (Date.now() - started) / 1000;
  };
  const drain = async (workers, target) => {
    const writesBefore = await writes();
    const procs = Array.from({ length: workers }, () => run(['worker', '--handlers', handlers, '--kinds', 'task', '--concurrency', String(CONCURRENCY)], env));
    await Promise.all(procs.map((proc) => proc.line((line) => line.includes('worker started'))));
    const cpuBefore = procs.map((proc) => cpuSeconds(proc.pid));
    const postgresCpuBefore = postgresCpuSeconds();
    const started = Date.now();
    while ((await completed()) < target) await new Promise((resolve) => setTimeout(resolve, 50));
    const seconds = (Date.now() - started) / 1000;
    const cpu = procs.reduce((sum, proc, i) => sum + cpuSeconds(proc.pid) - cpuBefore[i], 0);
    const postgresCpu = postgresCpuSeconds() - postgresCpuBefore;
    const result = {
      worker_processes: workers,
      seconds,
      runs_per_second: Math.round(RUNS / seconds),
      worker_cpu_ms_per_run: +((cpu * 1000) / RUNS).toFixed(3),
      runs_per_second_per_worker_core: Math.round(RUNS / cpu),
      postgres_cpu_ms_per_run: +((postgresCpu * 1000) / RUNS).toFixed(3),
    };
    // Stopped as an orchestrator would: SIGTERM, and each must exit within its grace period.
    const stopping = Date.now();
    for (const proc of procs) proc.child.kill('SIGTERM');
    const exits = await Promise.all(procs.map((proc) => Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 35_000))])));
    result.worker_exit_codes = exits;
    result.worker_stop_seconds = (Date.now() - stopping) / 1000;
    for (const proc of procs) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    // After the workers exited, so that their sessions' counters are in.
    const executed = await writesSince(writesBefore, RUNS);
    return {
      ...result,
      postgres_commits_per_executed_run: executed.commits_per_run,
      postgres_rows_written_per_executed_run: executed.rows_written_per_run,
      postgres_wal_bytes_per_executed_run: executed.wal_bytes_per_run,
    };
  };

  const redisBaseline = await redisMemory();
  for (const [label, workers] of [
    ['one_worker', 1],
    ['two_workers', 2],
  ]) {
    const memoryBefore = await redisMemory();
    const writesBefore = await writes();
    const createSeconds = await create();
    const memoryQueued = await redisMemory();
    const written = await writesSince(writesBefore, RUNS);
    const created = {
      create_seconds: createSeconds,
      created_per_second: Math.round(RUNS / createSeconds),
      postgres_commits_per_created_run: written.commits_per_run,
      postgres_rows_written_per_created_run: written.rows_written_per_run,
      postgres_wal_bytes_per_created_run: written.wal_bytes_per_run,
      redis_bytes_per_queued_run: Math.round((memoryQueued - memoryBefore) / RUNS),
    };
    progress(`${label}: created ${RUNS} runs in ${createSeconds} s; draining`);
    report[label] = { ...created, ...(await drain(workers, label === 'one_worker' ? RUNS : 2 * RUNS)) };
    progress(`${label}: ${JSON.stringify(report[label])}`);
  }
  report.events_per_finished_run = +(
    Number((await stats.query('select count(*) as n from run_events')).rows[0].n) / Number((await stats.query('select count(*) as n from runs')).rows[0].n)
  ).toFixed(2);
  // Completed jobs are kept in Redis up to the queue's removeOnComplete limit (1,000 per queue,
  // one hour), so this is bounded per queue, not per run.
  report.redis_bytes_retained_after_drain = (await redisMemory()) - redisBaseline;
  report.growth = await measureGrowth(stats, db);
  report.machine.load_at_end = (await import('node:os')).loadavg()[0];
  await stats.end();
  client.disconnect();
  await db.destroy();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([postgres.stop(), redis.stop()]);
  await rm(dir, { recursive: true, force: true });
}

/**
 * Fills `runs` (and `run_events`) to FILL rows with copies of the finished runs, ids in creation
 * order, VACUUMs, and reports bytes per million runs; then times retention's deletes.
 */
async function measureGrowth(stats, db) {
  const columns = (await stats.query(`select column_name from information_schema.columns where table_name = 'runs' order by ordinal_position`)).rows.map(
    (row) => row.column_name,
  );
  const eventColumns = (
    await stats.query(`select column_name from information_schema.columns where table_name = 'run_events' order by ordinal_position`)
  ).rows.map((row) => row.column_name);
  await stats.query(`create temporary table sample as select row_number() over (order by id) as n, * from runs where status = 'completed'`);
  const sampleSize = Number((await stats.query('select count(*) as n from sample')).rows[0].n);
  const existing = Number((await stats.query('select count(*) as n from runs')).rows[0].n);
  const started = Date.now();
  const BATCH = 50_000;
  for (let from = existing; from < FILL; from += BATCH) {
    const to = Math.min(FILL, from + BATCH);
    // Ids like runq's (time-ordered, same length), created and finished a year and more ago,
    // one millisecond apart, so retention finds them in order.
    const value = (column) =>
      ({
        id: `'run_' || lpad(to_hex(g), 26, '0')`,
        root_run_id: `'run_' || lpad(to_hex(g), 26, '0')`,
        job_id: `'run_' || lpad(to_hex(g), 26, '0')`,
        created_at: `now() - interval '400 days' + g * interval '1 millisecond'`,
        updated_at: `now() - interval '400 days' + g * interval '1 millisecond'`,
        started_at: `now() - interval '400 days' + g * interval '1 millisecond'`,
        completed_at: `now() - interval '400 days' + g * interval '1 millisecond'`,
        public_id: 'null',
        parent_run_id: 'null',
      })[column] ?? `s.${column}`;
    await stats.query(`insert into runs (${columns.join(', ')})
      select ${columns.map(value).join(', ')} from generate_series(${from + 1}, ${to}) g join sample s on s.n = 1 + (g % ${sampleSize})`);
    await stats.query(`insert into run_events (${eventColumns.join(', ')})
      select ${eventColumns.map((column) => (column === 'run_id' ? `'run_' || lpad(to_hex(g), 26, '0')` : `e.${column}`)).join(', ')}
      from generate_series(${from + 1}, ${to}) g join sample s on s.n = 1 + (g % ${sampleSize}) join run_events e on e.run_id = s.id`);
    progress(`growth: ${to} runs`);
  }
  const fillSeconds = (Date.now() - started) / 1000;
  await stats.query('vacuum (analyze) runs, run_events');
  const runs = Number((await stats.query('select count(*) as n from runs')).rows[0].n);
  const perMillion = (bytes) => Math.round((Number(bytes) / runs) * 1_000_000);
  const size = async (table) =>
    (
      await stats.query(
        `select pg_relation_size($1) as heap, pg_total_relation_size($1) - pg_relation_size($1) - pg_indexes_size($1) as toast, pg_indexes_size($1) as indexes`,
        [table],
      )
    ).rows[0];
  const indexes = (
    await stats.query(
      `select indexrelid::regclass::text as name, pg_relation_size(indexrelid) as bytes from pg_index where indrelid in ('runs'::regclass, 'run_events'::regclass) order by 2 desc`,
    )
  ).rows;
  const runsSize = await size('runs');
  const eventsSize = await size('run_events');
  const growth = {
    runs,
    fill_seconds: fillSeconds,
    bytes_per_million_runs: {
      runs_heap: perMillion(runsSize.heap),
      runs_toast: perMillion(runsSize.toast),
      runs_indexes: perMillion(runsSize.indexes),
      run_events_heap: perMillion(eventsSize.heap),
      run_events_indexes: perMillion(eventsSize.indexes),
      total: perMillion(
        Number(runsSize.heap) +
          Number(runsSize.toast) +
          Number(runsSize.indexes) +
          Number(eventsSize.heap) +
          Number(eventsSize.toast) +
          Number(eventsSize.indexes),
      ),
    },
    index_bytes_per_million_runs: Object.fromEntries(indexes.map((row) => [row.name, perMillion(row.bytes)])),
  };
  // Retention as the reconciler runs it: batches of 500, oldest first, each its own transaction.
  const lsnBefore = (await stats.query('select pg_current_wal_lsn() as lsn')).rows[0].lsn;
  const deleteStarted = Date.now();
  let deleted = 0;
  const cutoff = new Date(Date.now() - 365 * 24 * 3600 * 1000);
  while (deleted < RETENTION_SAMPLE) {
    const count = await deleteFinishedRuns(db, { finishedBefore: cutoff, limit: 500 });
    if (count === 0) break;
    deleted += count;
  }
  const deleteSeconds = (Date.now() - deleteStarted) / 1000;
  const wal = Number((await stats.query('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1) as bytes', [lsnBefore])).rows[0].bytes);
  growth.retention = {
    deleted,
    seconds: deleteSeconds,
    runs_deleted_per_second: Math.round(deleted / deleteSeconds),
    wal_bytes_per_deleted_run: Math.round(wal / deleted),
  };
  return growth;
}

function progress(line) {
  process.stderr.write(`capacity: ${line}\n`);
}

/** Starts `runq <args>` with exactly `env`; `line(predicate)` resolves with the first stdout line that matches. */
function run(args, env) {
  const child = spawn(process.execPath, [join(ROOT, 'services/cli/bin/runq.js'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.once('exit', (code, signal) => progress(`runq ${args[0]} (pid ${child.pid}) exited with ${signal ?? code}`));
  children.push(child);
  const lines = [];
  const waiters = new Set();
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    lines.push(...parts);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    pid: child.pid,
    exited,
    line: (predicate) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found !== undefined) {
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null) reject(new Error(`runq ${args[0]} exited: ${lines.join('\n')}`));
        };
        waiters.add(check);
        check();
      }),
  };
}
