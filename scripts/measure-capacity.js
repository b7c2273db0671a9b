#!/usr/bin/env node
// Measures the figures of README.md's "Capacity" section on this machine: a durable local
// PostgreSQL and a local Redis (AOF off), `runq api` and `runq worker` as real processes.
//   npm run build && node scripts/measure-capacity.js [runs=5000]
// 1. Queue N no-op task runs through the API with no worker running: Postgres commits and
//    bytes per created run, Redis memory per queued run (INFO memory, before/after).
// 2. Drain them with one worker process (--kinds task --concurrency 32), then queue N more and
//    drain with two: runs/s, worker CPU seconds per run (runs/s per worker core), Postgres
//    commits per executed run.
// Prints one JSON document. Everything listens on 127.0.0.1 and is removed at the end.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApiKey } from '@runq/auth';
import { openDatabase } from '@runq/db';
import { startLocalPostgres, startLocalRedis } from '@runq/local';

const RUNS = Number(process.argv[2] ?? 5000);
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
  const env = { PATH: process.env.PATH, DATABASE_URL: databaseUrl, REDIS_URL: redis.url, RUNQ_QUEUE_PREFIX: 'capacity', LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  await run(['migrate'], env).exited;
  const db = openDatabase(databaseUrl, { maxConnections: 2 });
  const project = randomUUID();
  const key = (await createApiKey(db, { projectIds: [project], name: 'capacity' })).token;
  const api = run(['api'], { ...env, PORT: '0', LOG_LEVEL: 'info' });
  const url = JSON.parse(await api.line((line) => line.includes('api listening'))).url;
  const handlers = join(dir, 'noop.mjs');
  await writeFile(handlers, "export default { task: { '*': () => ({ output: null }) } };\n");
  const client = new Redis(redis.url);
  const stats = new pg.Client({ connectionString: databaseUrl });
  await stats.connect();

  const commits = async () => Number((await stats.query('select xact_commit from pg_stat_database where datname = current_database()')).rows[0].xact_commit);
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
    const commitsBefore = await commits();
    const procs = Array.from({ length: workers }, () => run(['worker', '--handlers', handlers, '--kinds', 'task', '--concurrency', String(CONCURRENCY)], env));
    await Promise.all(procs.map((proc) => proc.line((line) => line.includes('worker started'))));
    const cpuBefore = procs.map((proc) => cpuSeconds(proc.pid));
    const started = Date.now();
    while ((await completed()) < target) await new Promise((resolve) => setTimeout(resolve, 50));
    const seconds = (Date.now() - started) / 1000;
    const cpu = procs.reduce((sum, proc, i) => sum + cpuSeconds(proc.pid) - cpuBefore[i], 0);
    const result = {
      worker_processes: workers,
      seconds,
      runs_per_second: Math.round(RUNS / seconds),
      worker_cpu_ms_per_run: +((cpu * 1000) / RUNS).toFixed(3),
      runs_per_second_per_worker_core: Math.round(RUNS / cpu),
      postgres_commits_per_run: +(((await commits()) - commitsBefore) / RUNS).toFixed(2),
    };
    // Stopped as an orchestrator would: SIGTERM, and each must exit within its grace period.
    const stopping = Date.now();
    for (const proc of procs) proc.child.kill('SIGTERM');
    const exits = await Promise.all(procs.map((proc) => Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 35_000))])));
    result.worker_exit_codes = exits;
    result.worker_stop_seconds = (Date.now() - stopping) / 1000;
    for (const proc of procs) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    return result;
  };

  for (const [label, workers] of [['one_worker', 1], ['two_workers', 2]]) {
    const memoryBefore = await redisMemory();
    const commitsBefore = await commits();
    const createSeconds = await create();
    const created = {
      create_seconds: createSeconds,
      created_per_second: Math.round(RUNS / createSeconds),
      postgres_commits_per_created_run: +(((await commits()) - commitsBefore) / RUNS).toFixed(2),
      redis_bytes_per_queued_run: Math.round(((await redisMemory()) - memoryBefore) / RUNS),
    };
    progress(`${label}: created ${RUNS} runs in ${createSeconds} s; draining`);
    report[label] = { ...created, ...(await drain(workers, label === 'one_worker' ? RUNS : 2 * RUNS)) };
    progress(`${label}: ${JSON.stringify(report[label])}`);
  }
  const sizes = (await stats.query(`select (select count(*) from runs) as runs, (select count(*) from run_events) as events,
      pg_total_relation_size('runs') as runs_bytes, pg_total_relation_size('run_events') as events_bytes`)).rows[0];
  report.postgres_bytes_per_finished_run = Math.round((Number(sizes.runs_bytes) + Number(sizes.events_bytes)) / Number(sizes.runs));
  report.events_per_finished_run = +(Number(sizes.events) / Number(sizes.runs)).toFixed(2);
  report.redis_bytes_after_drain_per_run = Math.round((await redisMemory()) / (2 * RUNS));
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
