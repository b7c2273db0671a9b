import { RowBuilder, fixed, type Lab } from '../lab.js';
import { cpuBetween, snapshotCpu } from '../env/proc-stats.js';
import type { Section } from '../report/results.js';
import { summarize } from '../stats.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';

/** Active schedules while firing is measured (the figure). */
const SCHEDULES = 10_000;
/** Each schedule fires once a minute; their anchors are spread evenly over the minute. */
const PERIOD_MS = 60_000;
/** How long the idle CPU is measured. */
const IDLE_MS = 10_000;

/**
 * Inserts `count` active schedules of no-op task runs, each `every 1m` with anchors spread evenly
 * over the minute starting `leadMs` from now (database clock), so about count / 60 occurrences
 * are due every second. Written straight into the table: creating them through the API is not
 * what is measured.
 */
async function insertSchedules(lab: Lab, deployment: RunqDeployment, count: number, leadMs: number): Promise<void> {
  const run = { kind: 'task', owner: { kind: 'project', id: deployment.projectId }, request: { target: 'noop' } };
  await lab.servers.withClient(deployment.target.databaseUrl, async (client) => {
    await client.query(
      `insert into schedules (id, project_id, kind, spec, overlap, missed, catchup_window_ms, run, next_slot, next_fire_at)
       select gen_random_uuid(), $1::uuid, 'task',
              jsonb_build_object('every', '1m', 'anchor', to_char(a at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
              'allow', 'skip', 3600000, $2::jsonb, a, a
         from generate_series(0, $3::int - 1) as i,
              lateral (select date_trunc('milliseconds', now() + make_interval(secs => ($4::float8 + i * $5::float8 / $3::int) / 1000)) as a) as anchor`,
      [deployment.projectId, JSON.stringify(run), count, leadMs, PERIOD_MS],
    );
  });
}

/**
 * Firing lateness with 10,000 active schedules, and what the schedule firer costs when nothing
 * is due. Lateness: from an occurrence's scheduled time to its firing (the occurrence row, on
 * the database clock) and to its run's creation (pending, the run's id time). Idle: every
 * schedule's next fire a day away; the worker's, the API's and PostgreSQL's CPU over 10 s.
 */
export async function measureScheduleFiring(lab: Lab, deployment: RunqDeployment, sectionId: string, title: string): Promise<Section> {
  const { settings } = lab;
  const windowMs = settings.mode === 'quick' ? 30_000 : PERIOD_MS;
  const firing = new RowBuilder('runq-schedules', `runq: ${SCHEDULES} schedules, every 1m each (${Math.round(SCHEDULES / 60)} due per second)`);
  const idle = new RowBuilder('runq-schedules-idle', `runq: ${SCHEDULES} schedules, none due (idle)`);
  for (let rep = 1; rep <= settings.reps; rep += 1) {
    await deployment.reset({ queue: true });
    await lab.servers.withClient(deployment.target.databaseUrl, (client) => client.query('truncate schedules cascade'));
    await insertSchedules(lab, deployment, SCHEDULES, 3_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000 + windowMs));
    const measured = await lab.servers.withClient(deployment.target.databaseUrl, async (client) => {
      const result = await client.query<{ fired: number; pending: number | null }>(
        `select extract(epoch from (o.fired_at - o.scheduled_for)) * 1000 as fired,
                extract(epoch from (r.created_at - o.scheduled_for)) * 1000 as pending
           from schedule_occurrences as o left join runs as r on r.id = o.run_id
          where o.outcome <> 'missed'`,
      );
      return result.rows;
    });
    const fired = summarize(measured.map((row) => Number(row.fired)));
    const pending = summarize(measured.filter((row) => row.pending !== null).map((row) => Number(row.pending)));
    const missed = await lab.servers.withClient(deployment.target.databaseUrl, async (client) =>
      Number((await client.query<{ count: string }>(`select count(*) as count from schedule_occurrences where outcome = 'missed'`)).rows[0]?.count ?? 0),
    );
    if (missed > 0) firing.note(`${missed} occurrences were missed (more than 15 s late)`);
    firing
      .add('occurrences', 'count', 'higher', measured.length)
      .add('fired_p50', 'ms', 'lower', fired.p50)
      .add('fired_p99', 'ms', 'lower', fired.p99)
      .add('pending_p50', 'ms', 'lower', pending.p50)
      .add('pending_p99', 'ms', 'lower', pending.p99);
    lab.log(
      `  ${deployment.name} schedules rep ${rep}: ${measured.length} occurrences; fired p50 ${fixed(fired.p50)} ms, p99 ${fixed(fired.p99)} ms; run pending p50 ${fixed(pending.p50)} ms, p99 ${fixed(pending.p99)} ms`,
    );

    await lab.servers.withClient(deployment.target.databaseUrl, (client) =>
      client.query(`update schedules set next_slot = now() + interval '1 day', next_fire_at = now() + interval '1 day'`),
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const roles = deployment.pids();
    const before = snapshotCpu(roles);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const cpu = cpuBetween(before, snapshotCpu(roles));
    idle.add('worker_cores', 'cores', 'lower', cpu.cores['worker'] ?? Number.NaN).add('postgres_cores', 'cores', 'lower', cpu.cores['postgres'] ?? Number.NaN);
    lab.log(
      `  ${deployment.name} schedules idle rep ${rep}: worker ${fixed(cpu.cores['worker'] ?? Number.NaN, 3)} cores, postgres ${fixed(cpu.cores['postgres'] ?? Number.NaN, 3)} cores`,
    );
  }
  await lab.servers.withClient(deployment.target.databaseUrl, (client) => client.query('truncate schedules cascade'));
  return {
    id: sectionId,
    title,
    description:
      `${SCHEDULES} active schedules of no-op task runs, each every minute, anchors spread evenly over the minute; one worker process fires them (and runs them). ` +
      'Fired: occurrence row time − scheduled time (database clock). Pending: the run’s creation − scheduled time. Idle: every schedule a day away, CPU over 10 s.',
    columns: [
      { metric: 'occurrences', header: 'occurrences', digits: 0 },
      { metric: 'fired_p50', header: 'fired p50 ms', digits: 1 },
      { metric: 'fired_p99', header: 'fired p99 ms', digits: 1 },
      { metric: 'pending_p50', header: 'pending p50 ms', digits: 1 },
      { metric: 'pending_p99', header: 'pending p99 ms', digits: 1 },
      { metric: 'worker_cores', header: 'idle worker cores', digits: 3 },
      { metric: 'postgres_cores', header: 'idle postgres cores', digits: 3 },
    ],
    rows: [firing.build(), idle.build()],
    comparisons: [],
  };
}
