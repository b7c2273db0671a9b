import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Cluster } from 'ioredis';
import { createApiKey } from '@runq/auth';
import { parseRedisUrl } from '@runq/config';
import { openDatabase, type Db } from '@runq/db';
import { openRedis, whenRedisReady } from '@runq/queue';
import { startApiProcess, waitForStatusAt, type ApiProcess } from '../support/api-process.js';
import { expectValidEventLog, statusPath } from '../support/event-log.js';
import { openRunEventStream } from '../support/event-stream.js';
import { FIXTURE_HANDLERS } from '../support/e2e-context.js';
import { createTestDatabase, redisUrlOf, requestJson, waitForRunAt, type TestDatabase } from '../support/harness.js';
import { ReportDir } from '../support/report-file.js';
import { ProcessGroup, type CliProcess } from '../support/worker-process.js';

/**
 * runq scaled out as in production, on the harness's three-master Redis Cluster: two `runq api`
 * processes and three `runq worker` processes (real OS processes started through the CLI) share
 * one database and one `redis+cluster://` URL. Nothing here talks to a particular instance on
 * purpose except to prove that it does not matter which one serves a request.
 */
describe('scale-out on a Redis Cluster: two API processes, three worker processes', () => {
  const processes = new ProcessGroup();
  const adminToken = randomBytes(16).toString('hex');
  const prefix = `test-${randomUUID()}`;
  const project = randomUUID();
  const created: string[] = [];
  let database: TestDatabase;
  let db: Db;
  let redisUrl: string;
  let env: Record<string, string>;
  let key: string;
  let apiA: ApiProcess;
  let apiB: ApiProcess;
  let workers: CliProcess[];
  let reports: ReportDir;

  const workerEnv = () => ({
    ...env,
    // Also the reconciler's leader timeout (a leader silent this long loses the lock): long enough
    // that a loaded machine never moves leadership between live workers.
    RUNQ_WORKER_LEASE_MS: '5000',
    RUNQ_RECONCILE_INTERVAL_MS: '250',
    RUNQ_RECONCILE_GRACE_MS: '500',
    RUNQ_WORKER_SHUTDOWN_GRACE_MS: '5000',
  });
  const create = async (base: string, body: Record<string, unknown>): Promise<any> => {
    const response = await requestJson(base, 'POST', '/runs', { key, body: { owner: { kind: 'project', id: project }, ...body } });
    if (response.status !== 202) throw new Error(`POST /runs on ${base} answered ${response.status}: ${JSON.stringify(response.body)}`);
    created.push(response.body.run.run_id);
    return response.body.run;
  };
  const task = (base: string, target: string, config: Record<string, unknown> = {}, request: Record<string, unknown> = {}) =>
    create(base, { kind: 'task', request: { target, config, ...request } });
  const board = async (base: string) => {
    const response = await fetch(`${base}/admin/queues/api/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> }).queues;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = openDatabase(database.url, { maxConnections: 2 });
    reports = await ReportDir.create();
    redisUrl = redisUrlOf('redis-cluster') as string;
    env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, RUNQ_QUEUE_PREFIX: prefix, RUNQ_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'info' };
    key = (await createApiKey(db, { projectIds: [project], name: 'scale-out' })).token;
    // The migration step of a deployment, with the cluster URL in its environment.
    const migrate = processes.run(['migrate'], env);
    expect(await migrate.exited).toEqual({ code: 0, signal: null });
    [apiA, apiB] = await Promise.all([startApiProcess(processes, env), startApiProcess(processes, env)]);
    // No worker runs evals: an eval run stays queued, for the dashboard test.
    workers = await Promise.all(
      [1, 2, 3].map(async () => {
        const worker = processes.run(
          ['worker', '--handlers', FIXTURE_HANDLERS, '--kinds', 'task,workflow,agent', '--concurrency', 'task=4,workflow=2'],
          workerEnv(),
        );
        await worker.waitForLog((line) => line?.msg === 'worker started', 30_000);
        return worker;
      }),
    );
  }, 60_000);

  afterEach(async () => {
    for (const runId of created.splice(0)) await expectValidEventLog({ url: apiA.url }, key, runId);
  });

  afterAll(async () => {
    await processes.killAll();
    await db?.destroy();
    await database?.drop();
    await reports?.remove();
  });

  it('when the processes start, then every API is ready on the cluster and every worker reports its per-kind concurrency', async () => {
    for (const api of [apiA, apiB]) {
      const ready = await requestJson(api.url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ postgres: 'ok', queue: 'ok', migrations: 'ok', queue_backend: 'redis' });
    }
    for (const worker of workers) {
      const started = await worker.waitForLog((line) => line?.msg === 'worker started');
      expect(started).toMatchObject({ queueBackend: 'redis', kinds: ['task', 'workflow', 'agent'], concurrency: { task: 4, workflow: 2, agent: 10 } });
    }
  });

  it('when runs are created through both APIs, then all three workers execute them, none more than four tasks at once, and every run completes', async () => {
    const report = reports.file('spread');
    // 12 tasks of 1.5 s against 3 × 4 task slots: each worker must take its share at once.
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => task(i % 2 ? apiB.url : apiA.url, 'work', { report, ms: 1500 })));
    const workflows = await Promise.all([apiA, apiB].map((api) => create(api.url, { kind: 'workflow', request: { workflow_id: 'wf-scale', target: 'main' } })));
    const done = await Promise.all(runs.map((run, i) => waitForStatusAt(i % 2 ? apiA.url : apiB.url, key, run.run_id, 'completed')));
    for (const workflow of workflows) await waitForStatusAt(apiA.url, key, workflow.run_id, 'completed');

    const pids = new Set(done.map((run) => run.output.pid));
    expect(pids).toEqual(new Set(workers.map((worker) => worker.pid)));
    // Replay each worker's starts and returns: at no moment did one hold more than its 4 task slots.
    const records = await reports.read(report);
    for (const pid of pids) {
      let running = 0;
      let peak = 0;
      const timeline = records.filter((record) => record.pid === pid).sort((a, b) => a.at - b.at || (a.event === 'returning' ? -1 : 1));
      for (const record of timeline) {
        running += record.event === 'started' ? 1 : -1;
        peak = Math.max(peak, running);
      }
      expect(peak).toBeLessThanOrEqual(4);
    }
  });

  it('when a run fails its first attempt, then it is retried, possibly on another worker, and completes', async () => {
    const report = reports.file('flaky');
    const run = await task(apiA.url, 'flaky', { report, succeed_on: 2 }, { backoff_limit: 2 });
    const done = await waitForStatusAt(apiB.url, key, run.run_id, 'completed');
    expect(done.output.attempt).toBe(2);
    expect(statusPath(await expectValidEventLog({ url: apiB.url }, key, run.run_id))).toEqual(['pending', 'running', 'pending', 'running', 'completed']);
  });

  it('when a run created on API A is cancelled through API B while a worker holds it, then that worker aborts its handler at once', async () => {
    const report = reports.file('hold');
    const run = await task(apiA.url, 'hold', { report });
    const started = await reports.waitFor(report, (record) => record.event === 'started');
    const cancelled = await requestJson(apiB.url, 'POST', `/runs/${run.run_id}/cancel`, { key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    // The abort comes through Postgres NOTIFY to whichever process runs the attempt.
    const aborted = await reports.waitFor(report, (record) => record.event === 'aborted', 5_000);
    expect(aborted).toMatchObject({ pid: started.pid, cause: 'cancelled' });
    const holder = workers.find((worker) => worker.pid === started.pid)!;
    await holder.waitForLog((line) => line?.msg === 'run cancelled; attempt aborted' && line.runId === run.run_id);
    expect((await waitForRunAt(apiA.url, key, run.run_id, () => true)).status).toBe('cancelled');
  });

  it('when a run created on API A is watched over SSE on API B and resumed through B, then B streams every event through completion', async () => {
    const run = await task(apiA.url, 'wait', { reason: 'approval' });
    const stream = await openRunEventStream(apiB.url, key, run.run_id);
    try {
      expect(stream.status).toBe(200);
      await stream.until((events) => events.some((event) => event.to_status === 'waiting'));
      const resumed = await requestJson(apiB.url, 'POST', `/runs/${run.run_id}/resume`, { key, body: { data: { approved: true } } });
      expect(resumed.status).toBe(200);
      await stream.ended;
      expect(statusPath(stream.events)).toEqual(['pending', 'running', 'waiting', 'pending', 'running', 'completed']);
    } finally {
      stream.close();
    }
    const done = await waitForRunAt(apiA.url, key, run.run_id, () => true);
    expect(done.output).toEqual({ resumed_with: { approved: true } });
  });

  it("when either API's dashboard is asked, then both show the same queues, including a job queued through the other one", async () => {
    const run = await create(apiA.url, { kind: 'eval', request: { target: 'queued' } });
    const [fromA, fromB] = await Promise.all([board(apiA.url), board(apiB.url)]);
    expect(fromA.map((queue) => queue.name).sort()).toEqual(['agent', 'eval', 'task', 'workflow']);
    expect(fromB.find((queue) => queue.name === 'eval')?.counts['waiting']).toBe(1);
    expect(fromA.find((queue) => queue.name === 'eval')?.counts).toEqual(fromB.find((queue) => queue.name === 'eval')?.counts);
    const cancelled = await requestJson(apiB.url, 'POST', `/runs/${run.run_id}/cancel`, { key });
    expect(cancelled.status).toBe(200);
    expect((await board(apiA.url)).find((queue) => queue.name === 'eval')?.counts['waiting']).toBe(0);
    // The board's Redis panel works on a cluster too.
    const stats = await fetch(`${apiB.url}/admin/queues/api/redis/stats`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}` },
    });
    expect(stats.status).toBe(200);
  });

  it('when one key spends its rate limit across two API instances, then the next request is refused on either', async () => {
    // Two more instances with a small per-key limit; the counters live in the cluster.
    const limited = await Promise.all([1, 2].map(() => startApiProcess(processes, { ...env, RUNQ_RATE_LIMIT_PER_KEY: '6' })));
    const limitedKey = (await createApiKey(db, { projectIds: [project], name: 'rate-limited' })).token;
    for (let i = 0; i < 6; i += 1) {
      const response = await requestJson(limited[i % 2]!.url, 'GET', '/runs?limit=1', { key: limitedKey });
      expect(response.status).toBe(200);
    }
    for (const api of limited) {
      const refused = await requestJson(api.url, 'GET', '/runs?limit=1', { key: limitedKey });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Another key, unused so far this minute, is not affected.
    const freshKey = (await createApiKey(db, { projectIds: [project], name: 'rate-limited-neighbour' })).token;
    expect((await requestJson(limited[0]!.url, 'GET', '/runs?limit=1', { key: freshKey })).status).toBe(200);
    for (const api of limited) {
      api.process.signal('SIGTERM');
      await api.process.exited;
    }
  });

  it("when the cluster's keys are listed, then each queue's keys carry the {prefix:queue} hash tag, share one slot and live on the master that serves it", async () => {
    const client = openRedis(parseRedisUrl(redisUrl), 'worker') as Cluster;
    try {
      await whenRedisReady(client, 10_000);
      const byQueue = new Map<string, { keys: string[]; holders: Set<string> }>();
      for (const node of client.nodes('master')) {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await node.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', '1000');
          cursor = next;
          found.push(...batch);
        } while (cursor !== '0');
        for (const name of found) {
          // Anything but a queue key is a single-key counter of the API's rate limits, free to live on any slot.
          if (name.startsWith(`${prefix}:rl:`)) continue;
          const queue = /^\{[^:}]+:([^}]+)\}:([^:]+):/.exec(name);
          expect(queue?.[1]).toBeDefined();
          expect(name.startsWith(`{${prefix}:${queue![1]}}:${queue![1]}:`)).toBe(true);
          const entry = byQueue.get(queue![1]!) ?? { keys: [], holders: new Set<string>() };
          entry.keys.push(name);
          entry.holders.add(`${node.options.host}:${node.options.port}`);
          byQueue.set(queue![1]!, entry);
        }
      }
      expect([...byQueue.keys()]).toEqual(expect.arrayContaining(['task', 'eval']));
      for (const [queue, { keys, holders }] of byQueue) {
        expect(holders.size).toBe(1);
        const slots = new Set(await Promise.all(keys.map((name) => client.cluster('KEYSLOT', name))));
        expect(slots).toEqual(new Set([await client.cluster('KEYSLOT', `{${prefix}:${queue}}`)]));
      }
    } finally {
      client.disconnect();
    }
  });

  it("when the reconciler leader's process is killed, then exactly one other worker takes over and expires a wait on time", async () => {
    await Promise.any(workers.map((worker) => worker.waitForLog(isLeaderLine)));
    const [leader, ...others] = workers.filter(claimsLeadership);
    expect(others).toEqual([]);
    expect(await leaderLockHolders(database.url)).toBe(1);

    const run = await task(apiB.url, 'wait', { reason: 'event', timeout_seconds: 2 });
    await waitForStatusAt(apiA.url, key, run.run_id, 'waiting');
    const killedAt = Date.now();
    leader!.signal('SIGKILL');
    await leader!.exited;
    const survivors = workers.filter((worker) => worker !== leader);
    const takesOver = (line: any) => isLeaderLine(line) && Date.parse(line.time) >= killedAt;
    const successor = await Promise.any(survivors.map((worker) => worker.waitForLog(takesOver, 20_000).then(() => worker)));
    // Only the survivors' deadline check can fail the wait: the process that owned the lock is gone.
    const failed = await waitForStatusAt(apiA.url, key, run.run_id, 'failed', 20_000);
    expect(failed.error).toMatchObject({ code: 'wait_timeout' });
    expect(survivors.filter(claimsLeadership)).toEqual([successor]);
    expect(await leaderLockHolders(database.url)).toBe(1);
    // Over the whole suite, no two processes ever led at once (the killed one led until its kill).
    expect(overlappingLeaderships(workers, { pid: leader!.pid, at: killedAt })).toEqual([]);
  });
});

const LEADS = 'this process is now the reconciler';
const RESIGNS = 'this process is no longer the reconciler';
const isLeaderLine = (line: any): boolean => line?.msg === LEADS;

/** A worker's log lines that say it took or lost the reconciler's leadership, in order. */
function leadershipLines(worker: CliProcess): Array<{ msg: string; time: string }> {
  return worker.stdout
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return undefined;
      }
    })
    .filter((line) => line?.msg === LEADS || line?.msg === RESIGNS);
}

/** Whether the last thing a worker said about leadership is that it leads. */
function claimsLeadership(worker: CliProcess): boolean {
  return leadershipLines(worker).at(-1)?.msg === LEADS;
}

/**
 * Pairs of leaderships, by their holders' own logs, that overlap in time. A killed process leads
 * until `killed.at`; one still leading leads until now.
 */
function overlappingLeaderships(workers: CliProcess[], killed: { pid: number; at: number }): string[] {
  const terms: Array<{ pid: number; from: number; to: number }> = [];
  for (const worker of workers) {
    let from: number | undefined;
    for (const line of leadershipLines(worker)) {
      if (line.msg === LEADS) from = Date.parse(line.time);
      else if (from !== undefined) {
        terms.push({ pid: worker.pid, from, to: Date.parse(line.time) });
        from = undefined;
      }
    }
    if (from !== undefined) terms.push({ pid: worker.pid, from, to: worker.pid === killed.pid ? killed.at : Date.now() });
  }
  const overlaps: string[] = [];
  for (const [i, a] of terms.entries()) {
    for (const b of terms.slice(i + 1)) if (a.from < b.to && b.from < a.to) overlaps.push(`${a.pid} and ${b.pid}`);
  }
  return overlaps;
}

/** Sessions holding the reconciler's advisory lock (`pg_locks`, on the given database). */
async function leaderLockHolders(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ holders: string }>(
      `select count(*) as holders from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and a.application_name = 'runq-reconciler' and a.datname = current_database()`,
    );
    return Number(result.rows[0]?.holders ?? 0);
  } finally {
    await client.end();
  }
}
