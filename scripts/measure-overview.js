#!/usr/bin/env node
// Measures the operator overview's reads on a table of a million runs (or RUNQ_OVERVIEW_RUNS):
// a throwaway PostgreSQL with runq's schema, seeded like the bench's reads scenario (30 days of
// runs, 2 % pending), plus RUNQ_OVERVIEW_HOUR_RUNS runs created in the last hour (default 0).
// Prints EXPLAIN (ANALYZE, BUFFERS) of each statement and the median and worst time of the whole
// read over 20 rounds. Figures: docs/decisions/0018-operator-overview.md. Run after `npm run build`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { countBacklog, migrateToLatest, openDatabase, readRunOverview } from '@runq/db';
import { startLocalPostgres } from '@runq/local';
import { newRunId, runIdTime } from '@runq/runs';
import { seedRuns } from '../bench/dist/scenarios/seed-runs.js';

const RUNS = Number(process.env.RUNQ_OVERVIEW_RUNS ?? 1_000_000);
const HOUR_RUNS = Number(process.env.RUNQ_OVERVIEW_HOUR_RUNS ?? 0);
const print = (line) => process.stdout.write(`${line}\n`);

const dir = await mkdtemp(join(tmpdir(), 'runq-overview-'));
const server = await startLocalPostgres({ dataDir: join(dir, 'postgres'), persistent: false });
try {
  const url = await server.createDatabase('overview');
  const db = openDatabase(url, { maxConnections: 4 });
  const { error } = await migrateToLatest(db);
  if (error) throw error;
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return client;
  };
  const seeded = await seedRuns(connect, RUNS, '00000000-0000-4000-8000-000000000001');
  print(`seeded ${RUNS} runs over 30 days in ${Math.round(seeded / 1000)} s`);
  if (HOUR_RUNS > 0) {
    // A busy last hour: runs with ids of times spread over it (as runq makes them), in ten
    // projects, with the seed's mix of kinds and statuses.
    const now = Date.now();
    // Oldest first: run ids are monotonic (an earlier time than the last id's gives the last id's time).
    const ids = Array.from({ length: HOUR_RUNS }, (_, i) => newRunId(now - 3_599_000 + Math.floor((i / HOUR_RUNS) * 3_599_000)));
    const client = await connect();
    await client.query(
      `insert into runs (id, project_id, kind, status, executor, owner_kind, owner_id, request, root_run_id, job_id, target,
                         created_at, updated_at, started_at, completed_at, attempt, event_seq)
       select id, project_id, kind, status, 'worker', 'project', project_id, '{}'::jsonb, id, id, 'noop',
              created, created + interval '30 ms', case when status <> 'pending' then created + interval '5 ms' end,
              case when status in ('completed', 'failed', 'cancelled') then created + interval '25 ms' end,
              case when status = 'pending' then 0 else 1 end, 1
         from (select t.id, to_timestamp(t.ms / 1000.0) as created, md5('hour-project-' || (t.g % 10))::uuid as project_id,
                      case when t.g % 10 < 7 then 'task' when t.g % 10 < 9 then 'workflow' else 'eval' end as kind,
                      case when t.g % 100 < 90 then 'completed' when t.g % 100 < 95 then 'failed' when t.g % 100 < 97 then 'pending'
                           when t.g % 100 = 97 then 'running' when t.g % 100 = 98 then 'waiting' else 'cancelled' end as status
                 from unnest($1::text[], $2::float8[]) with ordinality as t(id, ms, g)) as hour_runs`,
      [ids, ids.map((id) => runIdTime(id))],
    );
    await client.query('vacuum (analyze) runs');
    await client.end();
    print(`added ${HOUR_RUNS} runs created in the last hour`);
  }
  // The statements as Kysely sends them, captured once and explained.
  const statements = [];
  const logging = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }),
    log: (event) => {
      if (event.level === 'query') statements.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  });
  const until = new Date((Math.floor(Date.now() / 60_000) + 1) * 60_000);
  await readRunOverview(logging, { until, windowMs: 3_600_000, topProjects: 10 });
  await countBacklog(logging);
  const client = await connect();
  for (const statement of statements) {
    const plan = await client.query(`explain (analyze, buffers) ${statement.sql}`, statement.parameters);
    print(`\n${statement.sql}\n${plan.rows.map((row) => row['QUERY PLAN']).join('\n')}`);
  }
  await client.end();
  await logging.destroy();
  const times = [];
  for (let round = 0; round < 20; round += 1) {
    const started = performance.now();
    await Promise.all([readRunOverview(db, { until, windowMs: 3_600_000, topProjects: 10 }), countBacklog(db)]);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  print(`\nwhole overview read, 20 rounds: median ${times[10].toFixed(1)} ms, worst ${times[19].toFixed(1)} ms`);
  await db.destroy();
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
