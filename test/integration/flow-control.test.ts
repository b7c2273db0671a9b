import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { HandlerModule } from '@runq/worker';
import { Gates } from '../support/deferred.js';
import { peakRunning, statusPath } from '../support/event-log.js';
import { QUEUE_BACKENDS, requestJson } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';
import { pollUntil } from '../support/poll.js';
import { hasSample, sample } from '../support/prometheus.js';

describe.each(QUEUE_BACKENDS)('flow control on %s', (backend) => {
  const release = new Gates();
  const handlers: HandlerModule = {
    task: {
      hold: async (run, ctx) => {
        await Promise.race([release.get(run.run_id).promise, new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))]);
        return { output: 'released' };
      },
      urgent: async (run) => {
        await release.get(run.run_id).promise;
        return { output: 'urgent' };
      },
      quick: async () => {
        await sleep(5 + Math.floor(Math.random() * 20));
        return { output: 'quick' };
      },
      waiter: (_run, ctx) => (ctx.resume ? { output: { resumed: ctx.resume.data } } : ctx.wait('approval')),
    },
  };
  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: '10' }, afterEach: () => release.releaseAll() });

  /** Puts a policy; expects 200 or 201. */
  async function putPolicy(name: string, body: unknown): Promise<any> {
    const response = await suite.client.request('PUT', `/policies/${name}`, body);
    if (response.status !== 200 && response.status !== 201) throw new Error(`PUT /policies/${name}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  afterEach(async () => {
    const { body } = await suite.client.request('GET', '/policies');
    for (const policy of body.data) await suite.client.request('DELETE', `/policies/${policy.name}`);
  });

  it('when a policy is put twice, then it is created (201) then replaced (200), listed with its buckets, and deleted (204, then 404)', async () => {
    const created = await suite.client.request('PUT', '/policies/per-target', {
      match: { kind: 'task' },
      concurrency: { key: 'target', limit: 2 },
      rate: { max: 100, per: '1m' },
      ttl: '90s',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'per-target',
      project_id: suite.client.projectId,
      match: { kind: 'task', target: null },
      concurrency: { key: 'target', limit: 2, strategy: 'queue' },
      rate: { key: null, max: 100, per: '1m' },
      priority: 0,
      ttl: '90s',
    });
    const replaced = await suite.client.request('PUT', '/policies/per-target', {
      concurrency: { key: 'target', limit: 3, strategy: 'cancel_newest' },
      priority: -60,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      match: { kind: null, target: null },
      concurrency: { limit: 3, strategy: 'cancel_newest' },
      rate: null,
      priority: -60,
      ttl: null,
    });
    const listed = await suite.client.request('GET', '/policies');
    expect(listed.body.data.map((policy: any) => policy.name)).toEqual(['per-target']);
    expect((await suite.client.request('DELETE', '/policies/per-target')).status).toBe(204);
    const again = await suite.client.request('DELETE', '/policies/per-target');
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('policy_not_found');
  });

  it.each([
    [{ concurrency: { key: 'tenant', limit: 1 } }, '/concurrency/key'],
    [{ concurrency: { limit: 0 } }, '/concurrency/limit'],
    [{ rate: { max: 5, per: '500ms' } }, '/rate/per'],
    [{ rate: { max: 5, per: 'a minute' } }, '/rate/per'],
    [{ priority: 86_401 }, '/priority'],
    [{ ttl: '0s' }, '/ttl'],
    [{ match: { kind: 'job' } }, '/match/kind'],
  ])('when a policy body is %j, then it is refused with a 400 problem naming %s', async (body, path) => {
    const response = await suite.client.request('PUT', '/policies/bad', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors.map((error: any) => error.path)).toContain(path);
    expect((await suite.client.request('GET', '/policies')).body.data).toEqual([]);
  });

  it("when another project's key names a policy, then it is 404 and the policy stays", async () => {
    await putPolicy('mine', { concurrency: { limit: 1 } });
    const stranger = await suite.api.createKey([randomUUID()]);
    expect((await requestJson(suite.api.url, 'DELETE', '/policies/mine', { key: stranger })).status).toBe(404);
    expect((await requestJson(suite.api.url, 'GET', '/policies', { key: stranger })).body.data).toEqual([]);
    expect((await suite.client.request('GET', '/policies')).body.data).toHaveLength(1);
  });

  it('when a bucket is full, then new runs stay pending with reason concurrency and start one by one as slots free, oldest first', async () => {
    await putPolicy('two-at-a-time', { match: { kind: 'task', target: 'hold' }, concurrency: { key: null, limit: 2 } });
    const runs = [];
    for (let i = 0; i < 5; i += 1) runs.push(await suite.client.task('hold'));
    await suite.client.waitForStatus(runs[0].run_id, 'running');
    await suite.client.waitForStatus(runs[1].run_id, 'running');
    const held = await suite.api.db
      .selectFrom('runs')
      .select(['id', 'hold_reason'])
      .where(
        'id',
        'in',
        runs.slice(2).map((run) => run.run_id),
      )
      .execute();
    expect(held.map((row) => row.hold_reason)).toEqual(['concurrency', 'concurrency', 'concurrency']);
    const firstEvent = (await suite.client.events(runs[2].run_id))[0];
    expect(firstEvent?.data).toMatchObject({ policies: ['two-at-a-time'], held: 'concurrency' });
    const listed = (await suite.client.request('GET', '/policies')).body.data[0];
    expect(listed.buckets).toEqual([{ key: '*', running: 2, held: 3, limit: 2 }]);
    const metrics = await (await fetch(`${suite.api.url}/metrics`)).text();
    expect(sample(metrics, 'runq_runs_held', { kind: 'task', reason: 'concurrency' })).toBe(3);
    expect(hasSample(metrics, 'runq_runs_held', { kind: 'eval', reason: 'rate' })).toBe(true);

    release.get(runs[0].run_id).resolve();
    await suite.client.waitForStatus(runs[2].run_id, 'running');
    expect((await suite.client.get(runs[3].run_id)).status).toBe('pending');
    // One slot at a time, so that each start follows one release: the oldest held run gets it.
    // (Slots freed together are given in order too, but the workers' claims may then land in
    // either order.)
    release.get(runs[1].run_id).resolve();
    await suite.client.waitForStatus(runs[3].run_id, 'running');
    expect((await suite.client.get(runs[4].run_id)).status).toBe('pending');
    for (const run of runs) release.get(run.run_id).resolve();
    for (const run of runs) await suite.client.waitForStatus(run.run_id, 'completed');
    expect(
      await peakRunning(
        suite.api.db,
        runs.map((run) => run.run_id),
      ),
    ).toBe(2);
    const starts = await Promise.all(runs.map(async (run) => (await suite.client.events(run.run_id)).find((event) => event.to_status === 'running')?.at ?? ''));
    expect([...starts].sort()).toEqual(starts);
  });

  it('when a key groups runs, then each bucket has its own limit and a run without the key value is not limited', async () => {
    await putPolicy('per-conversation', { concurrency: { key: 'metadata.name', limit: 1 } });
    const a1 = await suite.client.task('hold', { name: 'a' });
    const b1 = await suite.client.task('hold', { name: 'b' });
    const a2 = await suite.client.task('hold', { name: 'a' });
    const free = await suite.client.task('hold');
    await suite.client.waitForStatus(a1.run_id, 'running');
    await suite.client.waitForStatus(b1.run_id, 'running');
    await suite.client.waitForStatus(free.run_id, 'running');
    expect((await suite.client.get(a2.run_id)).status).toBe('pending');
    release.get(a1.run_id).resolve();
    await suite.client.waitForStatus(a2.run_id, 'running');
  });

  it('when a policy has a ttl, then a run it holds that has not started within it is cancelled with code expired, and the run holding the slot is not', async () => {
    await putPolicy('short-lived', { match: { kind: 'task', target: 'hold' }, concurrency: { limit: 1 }, ttl: '1s' });
    const first = await suite.client.task('hold');
    await suite.client.waitForStatus(first.run_id, 'running');
    const second = await suite.client.task('hold');
    const expired = await suite.client.waitForStatus(second.run_id, 'cancelled', 15_000);
    expect(expired.error).toMatchObject({ code: 'expired' });
    expect((await suite.client.get(first.run_id)).status).toBe('running');
    release.get(first.run_id).resolve();
    await suite.client.waitForStatus(first.run_id, 'completed');
  });

  it('when the strategy is cancel_newest and the bucket is full, then the new run is cancelled with code concurrency_limit', async () => {
    await putPolicy('one', { match: { target: 'hold' }, concurrency: { limit: 1, strategy: 'cancel_newest' } });
    const first = await suite.client.task('hold');
    await suite.client.waitForStatus(first.run_id, 'running');
    const second = await suite.client.task('hold');
    expect(second).toMatchObject({ status: 'cancelled', error: { code: 'concurrency_limit' } });
    expect(statusPath(await suite.client.validEvents(second.run_id))).toEqual(['pending', 'cancelled']);
    expect((await suite.client.get(first.run_id)).status).toBe('running');
  });

  it('when the strategy is cancel_in_progress, then a new run cancels the running one (its signal fires) and takes its slot', async () => {
    await putPolicy('latest-wins', { match: { target: 'hold' }, concurrency: { limit: 1, strategy: 'cancel_in_progress' } });
    const first = await suite.client.task('hold');
    await suite.client.waitForStatus(first.run_id, 'running');
    const second = await suite.client.task('hold');
    await suite.client.waitForStatus(first.run_id, 'cancelled');
    await suite.client.waitForStatus(second.run_id, 'running');
    const cancelEvent = (await suite.client.events(first.run_id)).at(-1);
    expect(cancelEvent?.data).toMatchObject({ cancelled_by: second.run_id, reason: 'cancel_in_progress' });
    release.get(second.run_id).resolve();
    await suite.client.waitForStatus(second.run_id, 'completed');
  });

  it('when a run waits, then it frees its slot, and when resumed it waits for a slot again', async () => {
    await putPolicy('single', { match: { kind: 'task' }, concurrency: { limit: 1 } });
    const waiter = await suite.client.task('waiter');
    await suite.client.waitForStatus(waiter.run_id, 'waiting');
    const holder = await suite.client.task('hold');
    await suite.client.waitForStatus(holder.run_id, 'running');
    expect((await suite.client.request('POST', `/runs/${waiter.run_id}/resume`, { data: 'ok' })).status).toBe(200);
    const heldAgain = await suite.api.db.selectFrom('runs').select(['status', 'hold_reason']).where('id', '=', waiter.run_id).executeTakeFirstOrThrow();
    expect(heldAgain).toEqual({ status: 'pending', hold_reason: 'concurrency' });
    release.get(holder.run_id).resolve();
    const done = await suite.client.waitForStatus(waiter.run_id, 'completed');
    expect(done.output).toEqual({ resumed: 'ok' });
  });

  it('when a policy with a higher priority matches a run, then it starts ahead of runs created before it', async () => {
    await putPolicy('serial', { match: { kind: 'task' }, concurrency: { limit: 1 } });
    await putPolicy('rush', { match: { target: 'urgent' }, priority: 3600 });
    const blocker = await suite.client.task('hold');
    await suite.client.waitForStatus(blocker.run_id, 'running');
    const normal = await suite.client.task('hold');
    const urgent = await suite.client.task('urgent');
    release.get(blocker.run_id).resolve();
    await suite.client.waitForStatus(urgent.run_id, 'running');
    expect((await suite.client.get(normal.run_id)).status).toBe('pending');
    release.get(urgent.run_id).resolve();
    await suite.client.waitForStatus(normal.run_id, 'running');
  });

  it('when a rate allows 2 starts per 2 s, then the third run is admitted once the first admission is 2 s old, held with reason rate meanwhile', async () => {
    await putPolicy('paced', { match: { target: 'quick' }, rate: { max: 2, per: '2s' } });
    const runs = [await suite.client.task('quick'), await suite.client.task('quick'), await suite.client.task('quick')];
    const third = await suite.api.db.selectFrom('runs').select(['hold_reason', 'hold_until']).where('id', '=', runs[2].run_id).executeTakeFirstOrThrow();
    expect(third.hold_reason).toBe('rate');
    for (const run of runs) await suite.client.waitForStatus(run.run_id, 'completed', 20_000);
    // A start is counted when the run is admitted, which for the first run is no earlier than its creation.
    const firstCreated = Date.parse((await suite.client.events(runs[0].run_id))[0]?.at ?? '');
    const thirdStart = Date.parse((await suite.client.events(runs[2].run_id)).find((event) => event.to_status === 'running')?.at ?? '');
    expect(thirdStart - firstCreated).toBeGreaterThanOrEqual(2_000);
  });

  it('when the policy holding runs is deleted, then they are admitted and run', async () => {
    await putPolicy('gate', { match: { target: 'hold' }, concurrency: { limit: 1 } });
    const first = await suite.client.task('hold');
    const second = await suite.client.task('hold');
    await suite.client.waitForStatus(first.run_id, 'running');
    expect((await suite.client.get(second.run_id)).status).toBe('pending');
    expect((await suite.client.request('DELETE', '/policies/gate')).status).toBe(204);
    await suite.client.waitForStatus(second.run_id, 'running');
  });

  it('when a held run is cancelled, then it leaves its place in line and the next held run gets the slot', async () => {
    await putPolicy('line', { match: { target: 'hold' }, concurrency: { limit: 1 } });
    const first = await suite.client.task('hold');
    const second = await suite.client.task('hold');
    const third = await suite.client.task('hold');
    await suite.client.waitForStatus(first.run_id, 'running');
    expect((await suite.client.request('POST', `/runs/${second.run_id}/cancel`)).status).toBe(200);
    const holds = await suite.api.db.selectFrom('run_holds').select('run_id').execute();
    expect(holds.map((row) => row.run_id)).toEqual([third.run_id]);
    release.get(first.run_id).resolve();
    await suite.client.waitForStatus(third.run_id, 'running');
  });

  it('when no policy matches a run, then it takes no slot and is not held', async () => {
    await putPolicy('elsewhere', { match: { kind: 'eval' }, concurrency: { limit: 1 } });
    const run = await suite.client.task('quick');
    await suite.client.waitForStatus(run.run_id, 'completed');
    const row = await suite.api.db
      .selectFrom('runs')
      .select(['slot_buckets', 'rate_buckets', 'order_at', 'hold_reason'])
      .where('id', '=', run.run_id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ slot_buckets: null, rate_buckets: null, order_at: null, hold_reason: null });
    expect((await suite.client.events(run.run_id))[0]?.data).not.toHaveProperty('policies');
  });

  it('when 64 clients create runs at once under a limit of 3, then no more than 3 run at any instant and every run completes', async () => {
    await putPolicy('three', { match: { target: 'quick' }, concurrency: { limit: 3 } });
    const runs = await Promise.all(Array.from({ length: 64 }, () => suite.client.task('quick')));
    for (const run of runs) await suite.client.waitForStatus(run.run_id, 'completed', 30_000);
    expect(
      await peakRunning(
        suite.api.db,
        runs.map((run) => run.run_id),
      ),
    ).toBe(3);
    const { value: slots } = await pollUntil(
      async () => Number((await sql<{ count: string }>`select count(*) as count from run_slots`.execute(suite.api.db)).rows[0]?.count),
      (count) => count === 0,
      { timeoutMs: 5_000, intervalMs: 25 },
    );
    expect(slots).toBe(0);
  });
});

describe.each(QUEUE_BACKENDS)('RUNQ_PROJECT_CONCURRENCY on %s', (backend) => {
  const release = new Gates();
  const handlers: HandlerModule = {
    task: {
      hold: async (run) => {
        await release.get(run.run_id).promise;
        return { output: 'released' };
      },
    },
  };
  const env = { RUNQ_PROJECT_CONCURRENCY: '2' };
  const suite = useLifecycleContext(backend, handlers, { api: { env }, worker: { concurrency: '10', env }, afterEach: () => release.releaseAll() });

  it('when a project has more runs of a kind than the bound, then only that many run at once, the rest held until one ends', async () => {
    const runs = [];
    for (let i = 0; i < 4; i += 1) runs.push(await suite.client.task('hold'));
    await suite.client.waitForStatus(runs[0].run_id, 'running');
    await suite.client.waitForStatus(runs[1].run_id, 'running');
    const held = await suite.api.db.selectFrom('runs').select('hold_reason').where('id', 'in', [runs[2].run_id, runs[3].run_id]).execute();
    expect(held.map((row) => row.hold_reason)).toEqual(['concurrency', 'concurrency']);
    release.get(runs[1].run_id).resolve();
    await suite.client.waitForStatus(runs[2].run_id, 'running');
    for (const run of runs) release.get(run.run_id).resolve();
    for (const run of runs) await suite.client.waitForStatus(run.run_id, 'completed');
    expect(
      await peakRunning(
        suite.api.db,
        runs.map((run) => run.run_id),
      ),
    ).toBe(2);
  });
});
