import { randomUUID } from 'node:crypto';
import { createApiKey } from '@runq/auth';
import { openDatabase, type Db } from '@runq/db';
import { startApiProcess, type ApiProcess } from '../support/api-process.js';
import { peakRunning } from '../support/event-log.js';
import { QUEUE_BACKENDS, createTestDatabase, redisUrlOf, requestJson, waitForRunAt, type TestDatabase } from '../support/harness.js';
import { ProcessGroup, fixturePath } from '../support/worker-process.js';

/** Concurrent creators, and the runs they create between them. */
const CREATORS = 64;
const RUNS = 384;

/**
 * A concurrency limit holds across processes: two `runq api` and three `runq worker` processes
 * (24 slots between them) share one database and queue backend while 64 creators post runs to
 * both APIs at once. Two projects have a policy (limits 3 and 2), a third has none. The number of
 * running runs of each bucket, derived from the event logs, never exceeds its limit.
 */
describe.each(QUEUE_BACKENDS)('concurrency limits with two APIs and three workers on %s', (backend) => {
  const processes = new ProcessGroup();
  let database: TestDatabase;
  let db: Db;
  let apis: ApiProcess[];
  let key: string;
  const projects = { three: randomUUID(), two: randomUUID(), free: randomUUID() };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = openDatabase(database.url, { maxConnections: 2 });
    const redisUrl = redisUrlOf(backend);
    const env = { DATABASE_URL: database.url, RUNQ_QUEUE_PREFIX: `limits-${randomUUID()}`, LOG_LEVEL: 'info', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
    key = (await createApiKey(db, { projectIds: Object.values(projects), name: 'limits' })).token;
    expect(await processes.run(['migrate'], env).exited).toEqual({ code: 0, signal: null });
    apis = await Promise.all([startApiProcess(processes, env), startApiProcess(processes, env)]);
    await Promise.all(
      [1, 2, 3].map(async () => {
        const worker = processes.run(['worker', '--handlers', fixturePath('chaos-handlers.mjs'), '--kinds', 'task', '--concurrency', '8'], {
          ...env,
          RUNQ_RECONCILE_INTERVAL_MS: '250',
        });
        await worker.waitForLog((line) => line?.msg === 'worker started', 30_000);
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await processes.killAll();
    await db?.destroy();
    await database?.drop();
  });

  it('when 64 creators post runs to both APIs at once, then no bucket ever has more running runs than its limit, and every run completes', async () => {
    for (const [project, limit] of [
      [projects.three, 3],
      [projects.two, 2],
    ] as const) {
      const put = await requestJson(apis[0]!.url, 'PUT', '/policies/limited', {
        key,
        body: { project_id: project, match: { kind: 'task' }, concurrency: { limit } },
      });
      expect(put.status).toBe(201);
    }
    const owners = Object.values(projects);
    const created: Record<string, string[]> = { [projects.three]: [], [projects.two]: [], [projects.free]: [] };
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATORS }, async (_, creator) => {
        for (let n = next++; n < RUNS; n = next++) {
          const owner = owners[n % owners.length]!;
          const api = apis[(creator + n) % apis.length]!;
          const body = { kind: 'task', owner: { kind: 'project', id: owner }, request: { target: 'sleep', config: { ms: 10 + (n % 5) * 10 } } };
          const response = await requestJson(api.url, 'POST', '/runs', { key, body });
          expect(response.status).toBe(202);
          created[owner]!.push(response.body.run.run_id);
        }
      }),
    );
    for (const ids of Object.values(created)) {
      for (const id of ids) await waitForRunAt(apis[0]!.url, key, id, (run) => run.status === 'completed', 60_000);
    }
    const peaks = {
      three: await peakRunning(db, created[projects.three]!),
      two: await peakRunning(db, created[projects.two]!),
      free: await peakRunning(db, created[projects.free]!),
    };
    expect(peaks.three).toBeLessThanOrEqual(3);
    expect(peaks.two).toBeLessThanOrEqual(2);
    // The limits were reached, and the project without a policy ran wider than either.
    expect(peaks.three).toBeGreaterThanOrEqual(2);
    expect(peaks.free).toBeGreaterThan(3);
  }, 180_000);
});
