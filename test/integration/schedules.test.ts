import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { QUEUE_BACKENDS, requestJson } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { pollUntil } from '../support/poll.js';
import { hasSample, sample } from '../support/prometheus.js';

describe.each(QUEUE_BACKENDS)('schedules on %s', (backend) => {
  const release = new Gates();
  const handlers: HandlerModule = {
    task: {
      quick: async () => ({ output: 'quick' }),
      hold: async (run, ctx) => {
        await Promise.race([release.get(run.run_id).promise, new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))]);
        return { output: 'released' };
      },
    },
  };
  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: '10' }, afterEach: () => release.releaseAll() });

  /** A `run` body of a schedule: a task run of `target` in the suite's project. */
  const runBody = (target: string) => ({ kind: 'task', owner: { kind: 'project', id: suite.client.projectId }, request: { target } });

  /** Creates a schedule; expects 201. */
  async function createSchedule(body: Record<string, unknown>): Promise<any> {
    const response = await suite.client.request('POST', '/schedules', body);
    if (response.status !== 201) throw new Error(`POST /schedules: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** A schedule's occurrences, oldest first. */
  async function occurrences(scheduleId: string): Promise<any[]> {
    const response = await suite.client.request('GET', `/schedules/${scheduleId}/occurrences?limit=100`);
    if (response.status !== 200) throw new Error(`occurrences: ${response.status}`);
    return [...response.body.data].reverse();
  }

  /** Waits until the schedule's occurrences satisfy `done`. */
  async function waitForOccurrences(scheduleId: string, done: (list: any[]) => boolean, timeoutMs = 15_000): Promise<any[]> {
    const result = await pollUntil(() => occurrences(scheduleId), done, { timeoutMs, intervalMs: 100 });
    if (!result.done) throw new Error(`occurrences never matched: ${JSON.stringify(result.value)}`);
    return result.value;
  }

  /** The runs of a schedule (`GET /runs?schedule_id=`), oldest first. */
  async function scheduleRuns(scheduleId: string): Promise<any[]> {
    const response = await suite.client.request('GET', `/runs?schedule_id=${scheduleId}&limit=100`);
    if (response.status !== 200) throw new Error(`GET /runs: ${response.status} ${JSON.stringify(response.body)}`);
    return [...response.body.data].reverse();
  }

  /**
   * Sets a paused schedule's next slot `secondsAgo` in the past (a whole second: the schedule's
   * anchor must be one) and activates it, as after downtime of every firer.
   */
  async function simulateDowntime(scheduleId: string, secondsAgo: number): Promise<void> {
    await sql`update schedules set next_slot = date_trunc('second', now()) - make_interval(secs => ${secondsAgo}),
      next_fire_at = date_trunc('second', now()) - make_interval(secs => ${secondsAgo}), paused = false where id = ${scheduleId}::uuid`.execute(suite.api.db);
  }

  afterEach(async () => {
    const { body } = await suite.client.request('GET', '/schedules?limit=100');
    for (const schedule of body.data) await suite.client.request('DELETE', `/schedules/${schedule.id}`);
    await suite.api.db.deleteFrom('policies').where('project_id', '=', suite.client.projectId).execute();
  });

  it('when a schedule is created, then it is 201 with its defaults, state and five upcoming fire times, listed, changed by PATCH and deleted', async () => {
    const created = await createSchedule({ key: 'nightly-report', spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin' }, run: runBody('quick') });
    expect(created).toMatchObject({
      key: 'nightly-report',
      project_id: suite.client.projectId,
      spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
      jitter: '0s',
      overlap: 'skip',
      missed: 'once',
      catchup_window: '1h',
      run_ttl: null,
      paused: false,
      state: { last_fired_at: null, runs_created: 0, skipped: 0, missed: 0 },
    });
    expect(created.upcoming).toHaveLength(5);
    expect(created.state.next_fire_at).toBe(created.upcoming[0]);
    for (const at of created.upcoming)
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(new Date(at))).toBe('03:00');

    const again = await suite.client.request('POST', '/schedules', { key: 'nightly-report', spec: { every: '1h' }, run: runBody('quick') });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('schedule_key_taken');

    const patched = await suite.client.request('PATCH', `/schedules/${created.id}`, { spec: { cron: '30 4 * * *' } });
    expect(patched.status).toBe(200);
    expect(patched.body.spec).toEqual({ cron: '30 4 * * *', timezone: 'UTC' });
    expect(new Date(patched.body.state.next_fire_at).getUTCHours()).toBe(4);

    const listed = await suite.client.request('GET', '/schedules');
    expect(listed.body.data.map((schedule: any) => schedule.id)).toEqual([created.id]);
    expect((await suite.client.request('GET', '/schedules?paused=true')).body.data).toEqual([]);

    const byKey = await suite.client.request('PUT', '/schedules/by-key/nightly-report', { spec: { every: '2h' }, run: runBody('quick') });
    expect(byKey.status).toBe(200);
    expect(byKey.body.id).toBe(created.id);
    const fresh = await suite.client.request('PUT', '/schedules/by-key/weekly', { spec: { cron: '0 0 * * 1' }, run: runBody('quick') });
    expect(fresh.status).toBe(201);

    expect((await suite.client.request('DELETE', `/schedules/${created.id}`)).status).toBe(204);
    const gone = await suite.client.request('GET', `/schedules/${created.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('schedule_not_found');
  });

  it.each([
    [{ spec: { cron: '61 * * * *' } }, '/spec/cron'],
    [{ spec: { cron: '0 3 * * *', timezone: 'Mars/Olympus' } }, '/spec/timezone'],
    [{ spec: { every: '500ms' } }, '/spec/every'],
    [{ spec: { every: '1s' }, start_at: '2030-01-02T00:00:00Z', end_at: '2030-01-01T00:00:00Z' }, '/end_at'],
    [{ spec: { every: '1s' }, run: { kind: 'task', owner: { kind: 'project', id: 'PROJECT' }, request: {} } }, '/run/request/target'],
    [
      { spec: { every: '1s' }, run: { kind: 'task', owner: { kind: 'project', id: 'PROJECT' }, request: { target: 'quick' }, public_id: 'mine' } },
      '/run/public_id',
    ],
    [{ spec: { every: '1s' }, overlap: 'queue' }, '/overlap'],
    [{ spec: { every: '1s' }, catchup_window: 'an hour' }, '/catchup_window'],
  ])('when a schedule body is %j, then it is refused with a 400 problem naming %s', async (fields, path) => {
    const body: Record<string, unknown> = { run: runBody('quick'), ...fields };
    if (body['run'] && (body['run'] as any).owner.id === 'PROJECT') (body['run'] as any).owner.id = suite.client.projectId;
    const response = await suite.client.request('POST', '/schedules', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: any) => error.path)).toContain(path);
    expect((await suite.client.request('GET', '/schedules')).body.data).toEqual([]);
  });

  it("when another project's key names a schedule, then every route is 404 and the schedule is untouched", async () => {
    const schedule = await createSchedule({ spec: { cron: '0 3 * * *' }, run: runBody('quick') });
    const stranger = await suite.api.createKey([randomUUID()]);
    const as = (method: string, path: string, body?: unknown) =>
      requestJson(suite.api.url, method, path, { key: stranger, ...(body !== undefined ? { body } : {}) });
    const base = `/schedules/${schedule.id}`;
    for (const [method, path, body] of [
      ['GET', base],
      ['PATCH', base, { paused: true }],
      ['POST', `${base}/pause`],
      ['POST', `${base}/resume`],
      ['POST', `${base}/trigger`],
      ['GET', `${base}/occurrences`],
      ['DELETE', base],
    ] as const) {
      const response = await as(method, path, body);
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    expect((await as('GET', '/schedules')).body.data).toEqual([]);
    expect((await as('POST', '/schedules', { spec: { every: '1s' }, run: runBody('quick') })).status).toBe(404);
    const mine = await suite.client.request('GET', base);
    expect(mine.body).toMatchObject({ paused: false, state: { runs_created: 0 } });
  });

  it('when an interval schedule fires, then each occurrence creates one run with schedule_id, trigger_kind schedule and trigger_id, listed by GET /runs?schedule_id=', async () => {
    const schedule = await createSchedule({ spec: { every: '1s' }, overlap: 'allow', run: runBody('quick') });
    const list = await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.run_id).length >= 3);
    const runs = await scheduleRuns(schedule.id);
    for (const occurrence of list.filter((row) => row.run_id)) {
      expect(occurrence.outcome).toBe('created');
      const run = runs.find((candidate) => candidate.run_id === occurrence.run_id);
      expect(run).toMatchObject({ schedule_id: schedule.id, trigger_kind: 'schedule', trigger_id: occurrence.id });
      expect(new Date(occurrence.scheduled_for).getMilliseconds()).toBe(new Date(schedule.spec.anchor).getMilliseconds());
    }
    const slots = list.map((row) => row.scheduled_for);
    expect(new Set(slots).size).toBe(slots.length);
    const runIds = runs.map((run) => run.run_id);
    expect(new Set(runIds).size).toBe(runIds.length);
    await suite.client.waitForStatus(runs[0].run_id, 'completed');
    const state = (await suite.client.request('GET', `/schedules/${schedule.id}`)).body.state;
    expect(state.runs_created).toBeGreaterThanOrEqual(3);
    expect(new Date(state.last_fired_at).getTime()).toBeGreaterThan(0);
    const metrics = await suite.worker.pool.metrics.registry.metrics();
    expect(sample(metrics, 'runq_schedule_occurrences_total', { outcome: 'created', service: 'worker' })).toBeGreaterThanOrEqual(3);
    expect(sample(metrics, 'runq_schedule_firing_lateness_seconds_count', { service: 'worker' })).toBeGreaterThanOrEqual(3);
    expect(hasSample(metrics, 'runq_schedule_occurrences_total', { outcome: 'expired', service: 'worker' })).toBe(true);
  });

  it('when a schedule lists instants, then each fires once, not before its time, and then nothing is left to fire', async () => {
    const now = Date.now();
    const at = [new Date(now + 1_500).toISOString(), new Date(now + 2_500).toISOString()];
    const schedule = await createSchedule({ spec: { at }, run: runBody('quick') });
    const list = await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.run_id).length === 2);
    expect(list.map((row) => row.scheduled_for)).toEqual(at);
    for (const row of list) expect(new Date(row.fired_at).getTime()).toBeGreaterThanOrEqual(new Date(row.scheduled_for).getTime());
    const after = (await suite.client.request('GET', `/schedules/${schedule.id}`)).body;
    expect(after.state.next_fire_at).toBeNull();
    expect(after.upcoming).toEqual([]);
  });

  it('when a cron schedule comes due, then it fires its minute and moves to the next one', async () => {
    const schedule = await createSchedule({ spec: { cron: '* * * * *', timezone: 'America/New_York' }, run: runBody('quick') });
    await sql`update schedules set next_slot = date_trunc('minute', now()), next_fire_at = date_trunc('minute', now()) where id = ${schedule.id}::uuid`.execute(
      suite.api.db,
    );
    const [first] = await waitForOccurrences(schedule.id, (rows) => rows.length === 1 && rows[0].run_id !== null);
    expect(new Date(first.scheduled_for).getUTCSeconds()).toBe(0);
    const after = (await suite.client.request('GET', `/schedules/${schedule.id}`)).body;
    expect(new Date(after.state.next_fire_at).getTime() - new Date(first.scheduled_for).getTime()).toBe(60_000);
  });

  it('when max_runs is reached, then the schedule stops firing', async () => {
    const schedule = await createSchedule({ spec: { every: '1s' }, overlap: 'allow', max_runs: 2, run: runBody('quick') });
    await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.run_id).length === 2);
    const after = (await suite.client.request('GET', `/schedules/${schedule.id}`)).body;
    expect(after.state).toMatchObject({ runs_created: 2, next_fire_at: null });
    expect(await scheduleRuns(schedule.id)).toHaveLength(2);
  });

  it('when overlap is skip and a run is unfinished, then occurrences are recorded as skipped_overlap until it finishes', async () => {
    const schedule = await createSchedule({ spec: { every: '1s' }, run: runBody('hold') });
    const list = await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.outcome === 'skipped_overlap').length >= 2);
    const created = list.filter((row) => row.outcome === 'created');
    expect(created).toHaveLength(1);
    expect(list.filter((row) => row.outcome === 'skipped_overlap').every((row) => row.run_id === null)).toBe(true);
    await suite.client.waitForStatus(created[0].run_id, 'running');
    release.get(created[0].run_id).resolve();
    await suite.client.waitForStatus(created[0].run_id, 'completed');
    const later = await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.outcome === 'created').length >= 2);
    expect(later.filter((row) => row.outcome === 'created')[1].scheduled_for > created[0].scheduled_for).toBe(true);
  });

  it('when overlap is buffer_one, then one run waits held with reason schedule (the rest are skipped) and starts when the running one finishes', async () => {
    const schedule = await createSchedule({ spec: { every: '1s' }, overlap: 'buffer_one', run: runBody('hold') });
    const list = await waitForOccurrences(
      schedule.id,
      (rows) => rows.filter((row) => row.outcome === 'skipped_overlap').length >= 1 && rows.filter((row) => row.run_id).length === 2,
    );
    const [first, buffered] = list.filter((row) => row.outcome === 'created');
    const held = await suite.api.db.selectFrom('runs').select(['status', 'hold_reason']).where('id', '=', buffered.run_id).executeTakeFirstOrThrow();
    expect(held).toEqual({ status: 'pending', hold_reason: 'schedule' });
    await suite.client.waitForStatus(first.run_id, 'running');
    release.get(first.run_id).resolve();
    await suite.client.waitForStatus(buffered.run_id, 'running');
    release.get(buffered.run_id).resolve();
    await suite.client.waitForStatus(buffered.run_id, 'completed');
  });

  it('when overlap is buffer_all, then every occurrence creates a held run and they run one after another', async () => {
    const schedule = await createSchedule({ spec: { every: '1s' }, overlap: 'buffer_all', max_runs: 3, run: runBody('hold') });
    const list = await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.run_id).length === 3);
    const runIds = list.map((row) => row.run_id);
    expect(list.every((row) => row.outcome === 'created')).toBe(true);
    for (const runId of runIds) {
      await suite.client.waitForStatus(runId, 'running');
      const others = await suite.api.db.selectFrom('runs').select(['id', 'status']).where('id', 'in', runIds).execute();
      expect(others.filter((run) => run.status === 'running').map((run) => run.id)).toEqual([runId]);
      release.get(runId).resolve();
      await suite.client.waitForStatus(runId, 'completed');
    }
  });

  it('when overlap is cancel_other, then a new occurrence cancels the unfinished run', async () => {
    const schedule = await createSchedule({ spec: { every: '1s' }, overlap: 'cancel_other', max_runs: 2, run: runBody('hold') });
    const list = await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.run_id).length === 2);
    const [first, second] = list;
    const cancelled = await suite.client.waitForStatus(first.run_id, 'cancelled');
    expect(cancelled.schedule_id).toBe(schedule.id);
    await suite.client.waitForStatus(second.run_id, 'running');
  });

  it('when overlap is allow, then runs of one schedule run side by side', async () => {
    const schedule = await createSchedule({ spec: { every: '1s' }, overlap: 'allow', max_runs: 2, run: runBody('hold') });
    const list = await waitForOccurrences(schedule.id, (rows) => rows.filter((row) => row.run_id).length === 2);
    for (const row of list) await suite.client.waitForStatus(row.run_id, 'running');
  });

  it.each([
    ['skip', 0],
    ['once', 1],
  ] as const)(
    'when every firer was down for 30 s and missed is %s, then %i late occurrences fire, the others are missed, and the on-time ones fire',
    async (missed, fired) => {
      const schedule = await createSchedule({
        spec: { every: '1s', anchor: '2026-01-01T00:00:00Z' },
        overlap: 'allow',
        missed,
        paused: true,
        run: runBody('quick'),
      });
      await simulateDowntime(schedule.id, 30);
      const list = await waitForOccurrences(schedule.id, (rows) => rows.length >= 30);
      // Late: more than 15 s (LATE_AFTER_MS) before the firing, on the database clock.
      const firedAt = new Date(list[0].fired_at).getTime();
      const late = list.filter((row) => new Date(row.scheduled_for).getTime() < firedAt - 15_000);
      const onTime = list.filter((row) => !late.includes(row) && new Date(row.scheduled_for).getTime() <= firedAt);
      expect(late.length).toBeGreaterThanOrEqual(14);
      const lateFired = late.filter((row) => row.outcome === 'created');
      expect(lateFired).toHaveLength(fired);
      if (missed === 'once') expect(lateFired[0]).toBe(late.at(-1));
      expect(late.filter((row) => row.outcome === 'missed')).toHaveLength(late.length - fired);
      expect(onTime.every((row) => row.outcome === 'created')).toBe(true);
      const state = (await suite.client.request('GET', `/schedules/${schedule.id}`)).body.state;
      expect(state.missed).toBe(list.filter((row) => row.outcome === 'missed').length);
    },
  );

  it('when missed is all with a catch-up window wider than the lateness, then late occurrences within it fire', async () => {
    const schedule = await createSchedule({
      spec: { every: '1s', anchor: '2026-01-01T00:00:00Z' },
      overlap: 'allow',
      missed: 'all',
      catchup_window: '25s',
      paused: true,
      run: runBody('quick'),
    });
    await simulateDowntime(schedule.id, 30);
    const list = await waitForOccurrences(schedule.id, (rows) => rows.length >= 30);
    const firedAt = new Date(list[0].fired_at).getTime();
    for (const row of list) {
      const age = firedAt - new Date(row.scheduled_for).getTime();
      if (age > 26_000) expect([age, row.outcome]).toEqual([age, 'missed']);
      if (age < 24_000) expect([age, row.outcome]).toEqual([age, 'created']);
    }
  });

  it.each([
    ['skip', 0],
    ['once', 1],
  ] as const)(
    'when a schedule is paused and resumed with missed %s, then the paused span fires %i occurrences and nothing while paused',
    async (missed, fired) => {
      const schedule = await createSchedule({ spec: { every: '1s' }, overlap: 'allow', missed, run: runBody('quick') });
      await waitForOccurrences(schedule.id, (rows) => rows.length >= 1);
      const paused = await suite.client.request('POST', `/schedules/${schedule.id}/pause`);
      expect(paused.body).toMatchObject({ paused: true, upcoming: [], state: { next_fire_at: null } });
      const before = (await occurrences(schedule.id)).length;
      const { value: during } = await pollUntil(
        () => occurrences(schedule.id),
        () => false,
        { timeoutMs: 3_000, intervalMs: 500 },
      );
      expect(during.length).toBeLessThanOrEqual(before + 1);
      const resumed = await suite.client.request('POST', `/schedules/${schedule.id}/resume`);
      expect(resumed.body.paused).toBe(false);
      const [pausedAt, resumedAt] = [new Date(paused.body.updated_at).getTime(), new Date(resumed.body.updated_at).getTime()];
      const list = await waitForOccurrences(schedule.id, (rows) => rows.some((row) => new Date(row.scheduled_for).getTime() > resumedAt));
      const span = list.filter(
        (row) =>
          new Date(row.scheduled_for).getTime() > pausedAt && new Date(row.scheduled_for).getTime() < resumedAt && !during.some((seen) => seen.id === row.id),
      );
      expect(span.length).toBeGreaterThanOrEqual(1);
      expect(span.filter((row) => row.outcome === 'created')).toHaveLength(fired);
      expect(span.filter((row) => row.outcome === 'missed')).toHaveLength(span.length - fired);
    },
  );

  it('when a schedule is triggered, then it fires now outside its spec, and a second trigger under overlap skip is 409 with a skipped occurrence', async () => {
    const schedule = await createSchedule({ spec: { cron: '0 0 1 1 *' }, run: runBody('hold') });
    const triggered = await suite.client.request('POST', `/schedules/${schedule.id}/trigger`);
    expect(triggered.status).toBe(202);
    expect(triggered.body.run).toMatchObject({ schedule_id: schedule.id, trigger_kind: 'schedule', trigger_id: triggered.body.occurrence.id });
    expect(triggered.body.occurrence).toMatchObject({ outcome: 'created', run_id: triggered.body.run.run_id });
    const again = await suite.client.request('POST', `/schedules/${schedule.id}/trigger`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('schedule_overlap');
    expect((await occurrences(schedule.id)).map((row) => row.outcome)).toEqual(['created', 'skipped_overlap']);
    release.get(triggered.body.run.run_id).resolve();
    await suite.client.waitForStatus(triggered.body.run.run_id, 'completed');
  });

  it('when a run of a schedule has not started within run_ttl, then it is cancelled with error code expired and its occurrence is expired', async () => {
    await suite.client.request('PUT', '/policies/one-hold', { match: { kind: 'task', target: 'hold' }, concurrency: { limit: 1 } });
    const blocker = await suite.client.task('hold');
    await suite.client.waitForStatus(blocker.run_id, 'running');
    const schedule = await createSchedule({ spec: { cron: '0 0 1 1 *' }, run_ttl: '1s', run: runBody('hold') });
    const triggered = await suite.client.request('POST', `/schedules/${schedule.id}/trigger`);
    expect(triggered.status).toBe(202);
    const expired = await suite.client.waitForStatus(triggered.body.run.run_id, 'cancelled');
    expect(expired.error).toMatchObject({ code: 'expired' });
    await waitForOccurrences(schedule.id, (rows) => rows[0]?.outcome === 'expired');
    release.get(blocker.run_id).resolve();
    await suite.client.waitForStatus(blocker.run_id, 'completed');
  });

  it('when GET /runs is given a malformed schedule_id, then it is a 400 naming it', async () => {
    const response = await suite.client.request('GET', '/runs?schedule_id=nope');
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: any) => error.path)).toContain('/query/schedule_id');
  });
});
