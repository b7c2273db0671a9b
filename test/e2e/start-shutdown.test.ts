import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startShutdownDeadlineMs } from '@runq/cli';
import { startLocalRedis, type LocalRedis } from '@runq/local';
import { isPortOpen, waitFor } from '@runq/local/testing';
import { FIXTURE_HANDLERS } from '../support/e2e-context.js';
import { EXIT_SLACK_MS, abandonedSteps, saysShuttingDown, signalAndWait } from '../support/shutdown-outcome.js';
import { ProcessGroup, REPO_ROOT, type CliProcess } from '../support/worker-process.js';

/*
 * `runq start` runs the API, a worker pool and a local PostgreSQL (under ./.runq/ of its working
 * directory, here a directory of each test's own) in one process; Ctrl-C stops all three.
 */

/** The worker's grace period where it has no handler to wait for. */
const GRACE_MS = 1_000;

describe('shutdown of runq start', () => {
  const processes = new ProcessGroup();
  let dir = '';
  let redis: LocalRedis | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runq-start-'));
  });
  afterEach(async () => {
    await processes.killAll();
    await redis?.stop();
    redis = undefined;
    // A local PostgreSQL outlives a killed `runq start` only until its watchdog stops it.
    const port = await localPostgresPort().catch(() => undefined);
    if (port !== undefined) await waitFor('the local PostgreSQL to stop', async () => !(await isPortOpen(port)), { timeoutMs: 40_000 });
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  /** `runq start` in the test's directory with `env`, once it says it is running. */
  async function start(env: Record<string, string>): Promise<CliProcess> {
    const proc = processes.run(['start', '--handlers', join(REPO_ROOT, FIXTURE_HANDLERS)], { LOG_LEVEL: 'warn', ...env }, { cwd: dir });
    await proc.waitForLog((line) => line === 'runq is running', 90_000);
    return proc;
  }

  /** The port of the local PostgreSQL `runq start` runs, from the state it keeps beside the cluster. */
  async function localPostgresPort(): Promise<number> {
    const state = JSON.parse(await readFile(join(dir, '.runq', 'postgres.json'), 'utf8')) as { port?: number };
    if (state.port === undefined) throw new Error('the local PostgreSQL has no port yet');
    return state.port;
  }

  /** Starts a Redis of the test's own (so that it can be stopped) and `runq start` on it. */
  async function startOnOwnRedis(env: Record<string, string> = {}): Promise<CliProcess> {
    redis = await startLocalRedis({ dir: join(dir, 'redis') });
    return start({ REDIS_URL: redis.url, ...env });
  }

  it('when runq start gets Ctrl-C with everything up, then it stops its API, workers and local PostgreSQL and exits 0', async () => {
    const proc = await start({ RUNQ_WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS) });
    const port = await localPostgresPort();
    const exit = await signalAndWait(proc, 'SIGINT');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(abandonedSteps(proc)).toEqual([]);
    expect(await isPortOpen(port)).toBe(false);
  }, 120_000);

  it('when runq start gets Ctrl-C after its Redis has gone, then it exits by its deadline (1, naming the queue workers, when they were still waiting for Redis) and its local PostgreSQL is stopped', async () => {
    const proc = await startOnOwnRedis({ RUNQ_WORKER_SHUTDOWN_GRACE_MS: String(GRACE_MS) });
    const port = await localPostgresPort();
    await redis!.stop();
    const exit = await signalAndWait(proc, 'SIGINT');
    expect(exit.signal).toBeNull();
    expect(exit.elapsedMs).toBeLessThan(startShutdownDeadlineMs({ shutdownGraceMs: GRACE_MS }, true) + EXIT_SLACK_MS);
    // A queue worker whose connection had already seen Redis close ends at once; one still
    // reconnecting waits and is abandoned: which one depends on when the stop lands.
    if (exit.code === 0) expect(abandonedSteps(proc)).toEqual([]);
    else expect({ code: exit.code, abandoned: abandonedSteps(proc) }).toEqual({ code: 1, abandoned: expect.arrayContaining(['queue workers']) });
    expect(await isPortOpen(port)).toBe(false);
  }, 120_000);

  it('when a second Ctrl-C comes while runq start waits for its lost Redis, then it exits at once with 130', async () => {
    const proc = await startOnOwnRedis();
    await redis!.stop();
    proc.signal('SIGINT');
    await proc.waitForLog((line) => saysShuttingDown(line, 'SIGINT'));
    const exit = await signalAndWait(proc, 'SIGINT');
    expect(exit).toMatchObject({ code: 130, signal: null });
    expect(exit.elapsedMs).toBeLessThan(EXIT_SLACK_MS);
  }, 120_000);
});
