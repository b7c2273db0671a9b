import { sql } from 'kysely';
import type { Db } from '@runq/db';
import { requestJson } from '../support/harness.js';
import { CHAOS_BACKENDS, useChaosStack } from './support/stack.js';

/**
 * Settings (environment): RUNQ_CHAOS_SCHEDULES schedules (default 200), each firing every second
 * for RUNQ_CHAOS_SCHEDULE_SECONDS (default 120); RUNQ_CHAOS_BACKENDS as for the run suite. A
 * quick local run: `RUNQ_CHAOS_SCHEDULES=50 RUNQ_CHAOS_SCHEDULE_SECONDS=40 npm run test:chaos -- schedules`.
 */
const SCHEDULES = Number(process.env['RUNQ_CHAOS_SCHEDULES'] ?? 200);
const SECONDS = Number(process.env['RUNQ_CHAOS_SCHEDULE_SECONDS'] ?? 120);
const WORKERS = 3;
/** A slot more than this before the pause may be unfired only if it was lost. */
const PAUSE_SLACK_MS = 15_000;

describe.each(CHAOS_BACKENDS)('schedule chaos on the %s queue backend', (backend) => {
  const stack = useChaosStack('schedules');

  it(`when ${SCHEDULES} schedules fire every second for ${SECONDS} s while scheduler processes are SIGKILLed and Postgres restarts, then every due occurrence has exactly one row and one run`, async () => {
    const started = Date.now();
    const log = (line: string) => process.stdout.write(`[schedule chaos ${backend} ${Math.round((Date.now() - started) / 1000)}s] ${line}\n`);
    const { postgres, db, projectId, token, processes } = await stack.start(backend, { apis: 1, workers: WORKERS });
    const apiUrl = processes.apiUrls[0]!;

    // Every occurrence creates a run (overlap allow) and none may be missed (all, within an hour).
    const scheduleIds: string[] = [];
    for (let i = 0; i < SCHEDULES; i += 1) {
      const created = await requestJson(apiUrl, 'POST', '/schedules', {
        key: token,
        body: {
          key: `chaos-${i}`,
          spec: { every: '1s', anchor: '2026-01-01T00:00:00Z' },
          overlap: 'allow',
          missed: 'all',
          catchup_window: '1h',
          run: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'sleep', config: { ms: 1 } } },
        },
      });
      if (created.status !== 201) throw new Error(`POST /schedules answered ${created.status}: ${JSON.stringify(created.body)}`);
      scheduleIds.push(created.body.id);
    }
    log(`${SCHEDULES} schedules created`);

    // Faults: a worker (each runs a firer) SIGKILLed and restarted every 8 s; Postgres restarted once, half way.
    const end = Date.now() + SECONDS * 1000;
    let kills = 0;
    let postgresRestarted = false;
    for (let index = 0; Date.now() < end; index += 1) {
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      if (!postgresRestarted && Date.now() > end - (SECONDS * 1000) / 2) {
        log('restarting Postgres');
        await postgres.restart(3_000);
        postgresRestarted = true;
        continue;
      }
      log(`killing worker ${index % WORKERS}`);
      await processes.killWorker(index % WORKERS);
      kills += 1;
    }
    const pausedAt = await pauseAll(db);
    const unresolvedAtPause = await unresolved(db);
    log(`schedules paused; waiting for every occurrence to have its run (${unresolvedAtPause} to go)`);
    const deadline = Date.now() + 180_000;
    while ((await unresolved(db)) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
    log('every occurrence has its run, or the deadline passed');

    const occurrences = await db
      .selectFrom('schedule_occurrences')
      .select(['id', 'schedule_id', 'scheduled_for', 'fired_at', 'outcome', 'run_id'])
      .orderBy('schedule_id')
      .orderBy('scheduled_for')
      .execute();
    const runs = await db.selectFrom('runs').select(['id', 'schedule_id', 'trigger_id', 'public_id']).where('schedule_id', 'is not', null).execute();
    const runsByTrigger = new Map<string, number>();
    for (const run of runs) runsByTrigger.set(run.trigger_id ?? '', (runsByTrigger.get(run.trigger_id ?? '') ?? 0) + 1);
    const problems: string[] = [];
    for (const scheduleId of scheduleIds) {
      const rows = occurrences.filter((row) => row.schedule_id === scheduleId);
      const times = rows.map((row) => row.scheduled_for.getTime());
      for (let i = 1; i < times.length; i += 1)
        if (times[i]! - times[i - 1]! !== 1_000)
          problems.push(`${scheduleId}: gap or duplicate between ${new Date(times[i - 1]!).toISOString()} and ${new Date(times[i]!).toISOString()}`);
      const last = times.at(-1) ?? 0;
      if (last < pausedAt.getTime() - PAUSE_SLACK_MS)
        problems.push(`${scheduleId}: last occurrence ${new Date(last).toISOString()}, paused at ${pausedAt.toISOString()}`);
      for (const row of rows) {
        if (row.outcome !== 'created' || row.run_id === null) problems.push(`${scheduleId}: occurrence ${row.id} is ${row.outcome} with run ${row.run_id}`);
        const count = runsByTrigger.get(row.id) ?? 0;
        if (count !== 1) problems.push(`${scheduleId}: occurrence ${row.id} has ${count} runs`);
      }
    }
    const occurrenceIds = new Set(occurrences.map((row) => row.id));
    const orphans = runs.filter((run) => !occurrenceIds.has(run.trigger_id ?? ''));
    const lateness = occurrences.map((row) => row.fired_at.getTime() - row.scheduled_for.getTime()).sort((a, b) => a - b);
    const report = {
      backend,
      schedules: SCHEDULES,
      seconds: SECONDS,
      occurrences: occurrences.length,
      runs: runs.length,
      orphan_runs: orphans.length,
      worker_kills: kills,
      postgres_restarted: postgresRestarted,
      unresolved_at_pause: unresolvedAtPause,
      lateness_ms: { p50: quantile(lateness, 0.5), p99: quantile(lateness, 0.99), max: lateness.at(-1) ?? 0 },
      crashes: processes.crashes.length,
      problems: problems.length,
    };
    process.stdout.write(`\nschedule chaos report ${JSON.stringify(report, null, 2)}\n`);
    if (problems.length > 0) process.stdout.write(`\nschedule chaos problems:\n- ${problems.slice(0, 20).join('\n- ')}\n${processes.tails()}\n`);

    expect(occurrences.length).toBeGreaterThanOrEqual(SCHEDULES * (SECONDS - 20));
    expect({ problems: problems.slice(0, 5), orphans: orphans.length, crashes: processes.crashes.length, postgresRestarted }).toEqual({
      problems: [],
      orphans: 0,
      crashes: 0,
      postgresRestarted: true,
    });
  });
});

/** Pauses every schedule; the database's clock at that moment. */
async function pauseAll(db: Db): Promise<Date> {
  for (;;) {
    try {
      const { rows } = await sql<{ now: Date }>`update schedules set paused = true returning now() as now`.execute(db);
      return rows[0]?.now ?? new Date();
    } catch {
      // Postgres may still be coming back.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Occurrences whose run is not recorded yet. */
async function unresolved(db: Db): Promise<number> {
  const row = await db
    .selectFrom('schedule_occurrences')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('outcome', '=', 'created')
    .where('run_id', 'is', null)
    .executeTakeFirst()
    .catch(() => undefined);
  return row === undefined ? 1 : Number(row.count);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
