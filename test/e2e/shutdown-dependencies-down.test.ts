import { randomUUID } from 'node:crypto';
import { API_SHUTDOWN_DEADLINE_MS } from '@runq/api';
import { createApiKey } from '@runq/auth';
import { openDatabase } from '@runq/db';
import { workerShutdownDeadlineMs } from '@runq/worker';
import { startApiProcess } from '../support/api-process.js';
import { FIXTURE_HANDLERS } from '../support/e2e-context.js';
import { QUEUE_BACKENDS, createTestDatabase, requestJson } from '../support/harness.js';
import { PrivateServers, type Outage } from '../support/private-servers.js';
import { EXIT_SLACK_MS, abandonedSteps, signalAndWait } from '../support/shutdown-outcome.js';
import { openTcpGate } from '../support/tcp-gate.js';
import { ProcessGroup, type CliProcess } from '../support/worker-process.js';

/*
 * Every runq process exits by its final deadline on SIGTERM, whatever its dependencies do. Each
 * test starts its own Postgres (and Redis) so that it can take them down: stopped (connections
 * refused, as after a crash) or not answering (connections open, nothing comes back, as with a
 * partitioned or frozen server). A process exits 0 when every close step finished, else 1 with
 * a line naming the steps it abandoned.
 */

/** The workers' grace period here: they run no handler, so it only delays a close that hangs. */
const GRACE_MS = 1_000;
const WORKER_DEADLINE_MS = workerShutdownDeadlineMs({ shutdownGraceMs: GRACE_MS });

/** The backends with servers a test can have of its own (the Redis Cluster backend is left out). */
const BACKENDS = QUEUE_BACKENDS.filter((backend): backend is 'postgres' | 'redis' => backend !== 'redis-cluster');

/**
 * How one process must end: its exit code, and steps its abandoned-steps line must name.
 * `mayEndCleanly` marks an outcome that depends on timing: the process may instead finish every
 * step and exit 0.
 */
interface Expected {
  code: 0 | 1;
  abandons?: readonly string[];
  mayEndCleanly?: true;
}

interface Scenario {
  down: string;
  postgres?: Outage;
  redis?: Outage;
  worker: Expected;
  api: Expected;
}

/*
 * What each outage leaves hanging. A stopped server refuses at once, so only what waits on its
 * own (BullMQ's queue workers on a lost Redis) can be abandoned: a queue worker whose
 * connection had already seen the close ends at once, one still reconnecting waits, so that
 * outcome depends on when the stop lands; a Postgres that does not answer
 * holds every client that has a connection open (the cancellation listener, idle pool clients).
 * On the PostgreSQL backend there is no Redis to take down.
 */
const SCENARIOS: Record<(typeof BACKENDS)[number], readonly Scenario[]> = {
  postgres: [
    { down: 'Postgres is stopped', postgres: 'stopped', worker: { code: 0 }, api: { code: 0 } },
    {
      down: 'Postgres does not answer',
      postgres: 'not answering',
      worker: { code: 1, abandons: ['cancellation listener'] },
      api: { code: 1, abandons: ['api database'] },
    },
  ],
  redis: [
    { down: 'Redis is stopped', redis: 'stopped', worker: { code: 1, abandons: ['queue workers'], mayEndCleanly: true }, api: { code: 0 } },
    { down: 'Redis does not answer', redis: 'not answering', worker: { code: 0 }, api: { code: 0 } },
    { down: 'Postgres is stopped', postgres: 'stopped', worker: { code: 0 }, api: { code: 0 } },
    {
      down: 'Postgres does not answer',
      postgres: 'not answering',
      worker: { code: 1, abandons: ['cancellation listener'] },
      api: { code: 1, abandons: ['api database'] },
    },
    {
      down: 'Redis and Postgres are stopped',
      redis: 'stopped',
      postgres: 'stopped',
      worker: { code: 1, abandons: ['queue workers'], mayEndCleanly: true },
      api: { code: 0 },
    },
    {
      down: 'Redis and Postgres do not answer',
      redis: 'not answering',
      postgres: 'not answering',
      worker: { code: 1, abandons: ['cancellation listener'] },
      api: { code: 1, abandons: ['api database'] },
    },
  ],
};

/** A worker and an API on `servers`, up; the worker serves tasks only, so the workflow runs created here stay pending. */
async function startStack(processes: ProcessGroup, servers: PrivateServers): Promise<{ worker: CliProcess; api: CliProcess; url: string }> {
  const settings = { LOG_LEVEL: 'info', RUNQ_WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS), RUNQ_RECONCILE_INTERVAL_MS: '250' };
  const worker = processes.run(['worker', '--kinds', 'task', '--handlers', FIXTURE_HANDLERS], { ...settings, ...(await servers.envFor('worker')) });
  const [api] = await Promise.all([
    startApiProcess(processes, { ...settings, ...(await servers.envFor('api')) }),
    worker.waitForLog((line) => line?.msg === 'worker started', 30_000),
  ]);
  return { worker, api: api.process, url: api.url };
}

/**
 * Uses the API as clients do before the outage: a run is created (the pools now hold
 * connections) and its event stream is left open, as is the client's keep-alive connection.
 * Resolves with the stream's end.
 */
async function useApi(url: string, servers: PrivateServers): Promise<{ streamEnded: Promise<void> }> {
  const project = randomUUID();
  const db = openDatabase((await servers.envFor('test')).DATABASE_URL!, { maxConnections: 1 });
  const { token } = await createApiKey(db, { projectIds: [project], name: 'shutdown' }).finally(() => db.destroy());
  const body = { kind: 'workflow', owner: { kind: 'project', id: project }, request: { workflow_id: 'never-served', target: 'main' } };
  const created = await requestJson(url, 'POST', '/runs', { key: token, body });
  expect(created.status).toBe(202);
  const stream = await fetch(`${url}/runs/${created.body.run.run_id}/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  await reader.read();
  const drain = async (): Promise<void> => {
    while (!(await reader.read()).done);
  };
  return { streamEnded: drain().catch(() => undefined) };
}

/**
 * Takes the scenario's dependencies down. When Postgres stops answering, this waits until the
 * API's event stream has asked it for events again: that query now waits for good.
 */
async function takeDown(servers: PrivateServers, scenario: Scenario): Promise<void> {
  if (scenario.redis) await servers.takeDownRedis(scenario.redis);
  if (scenario.postgres) await servers.takeDownPostgres(scenario.postgres);
  if (scenario.postgres === 'not answering') await servers.postgresHeardFrom('api');
}

function expectOutcome(proc: CliProcess, exit: { code: number | null; elapsedMs: number }, expected: Expected, deadlineMs: number): void {
  const abandoned = abandonedSteps(proc);
  expect(exit.elapsedMs).toBeLessThan(deadlineMs + EXIT_SLACK_MS);
  if (expected.mayEndCleanly && exit.code === 0) {
    expect(abandoned).toEqual([]);
    return;
  }
  expect({ code: exit.code, abandonedSomething: abandoned.length > 0 }).toEqual({ code: expected.code, abandonedSomething: expected.code === 1 });
  expect(abandoned).toEqual(expect.arrayContaining([...(expected.abandons ?? [])]));
}

describe.each(BACKENDS)('shutdown with dependencies down on %s', (backend) => {
  const processes = new ProcessGroup();
  let servers: PrivateServers | undefined;
  afterEach(async () => {
    await processes.killAll();
    await servers?.stop();
    servers = undefined;
  });

  it.each(SCENARIOS[backend])(
    'when $down, then a worker and an API given SIGTERM exit by their deadlines, naming what they abandoned',
    async (scenario) => {
      servers = await PrivateServers.start(backend);
      const stack = await startStack(processes, servers);
      const { streamEnded } = await useApi(stack.url, servers);
      await takeDown(servers, scenario);
      const [worker, api] = await Promise.all([signalAndWait(stack.worker, 'SIGTERM'), signalAndWait(stack.api, 'SIGTERM')]);
      expectOutcome(stack.worker, worker, scenario.worker, WORKER_DEADLINE_MS);
      expectOutcome(stack.api, api, scenario.api, API_SHUTDOWN_DEADLINE_MS);
      await streamEnded;
    },
    90_000,
  );
});

describe('runq migrate with Postgres not answering', () => {
  const processes = new ProcessGroup();
  afterEach(async () => {
    await processes.killAll();
  });

  it('when runq migrate waits for a Postgres that does not answer, then SIGTERM ends it at once', async () => {
    // Migrations run in transactions, which Postgres rolls back when their session ends: the
    // command keeps the default signal handling, so there is no shutdown of its own to wait for.
    const database = await createTestDatabase();
    const gate = await openTcpGate(Number(new URL(database.url).port));
    try {
      gate.block();
      const migrate = processes.run(['migrate'], { DATABASE_URL: gate.urlThrough(database.url) });
      await gate.heard();
      const exit = await signalAndWait(migrate, 'SIGTERM');
      expect(exit).toMatchObject({ code: null, signal: 'SIGTERM' });
      expect(exit.elapsedMs).toBeLessThan(EXIT_SLACK_MS);
    } finally {
      await gate.close();
      await database.drop();
    }
  });
});
