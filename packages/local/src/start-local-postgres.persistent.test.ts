import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ClusterInUseError, ClusterStateError } from './errors.js';
import { startLocalPostgres, type LocalPostgres } from './start-local-postgres.js';
import { queryRows } from './testing.js';

async function postmasterPid(dataDir: string): Promise<number> {
  return Number.parseInt((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n', 1)[0] ?? '', 10);
}

describe('startLocalPostgres (persistent)', () => {
  let workDir: string;
  const started: LocalPostgres[] = [];

  /** Starts a persistent server and remembers it for afterAll. */
  async function start(dataDir: string): Promise<LocalPostgres> {
    const server = await startLocalPostgres({ dataDir, persistent: true });
    started.push(server);
    return server;
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'runq-local-persistent-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
    await rm(workDir, { recursive: true, force: true });
  });

  it('when a persistent cluster is stopped and started again, then its rows, credentials and port survive', async () => {
    const dataDir = join(workDir, 'keeps-data');
    const first = await start(dataDir);
    await queryRows(first.url, 'create table note (body text); insert into note values ($$kept$$)');
    await first.stop();

    const second = await start(dataDir);

    expect(second.url).toBe(first.url);
    expect(await queryRows(second.url, 'select body from note')).toEqual([{ body: 'kept' }]);
    const state = JSON.parse(await readFile(`${dataDir}.json`, 'utf8')) as { password: string; port: number };
    expect(first.url).toContain(`:${state.password}@`);
    expect(state.port).toBe(second.port);
    expect((await stat(`${dataDir}.json`)).mode & 0o777).toBe(0o600);
    expect(await queryRows(second.url, `select current_setting('fsync') as fsync`)).toEqual([{ fsync: 'on' }]);
    await second.stop();
  });

  it('when the cluster is already served by a live server, then a second start fails with one clear line', async () => {
    const dataDir = join(workDir, 'in-use');
    const running = await start(dataDir);

    const failure = await startLocalPostgres({ dataDir, persistent: true }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ClusterInUseError);
    expect((failure as ClusterInUseError).code).toBe('cluster_in_use');
    expect((failure as Error).message).toMatch(/already in use by a running server \(pid \d+\)/);
    expect((failure as Error).message).not.toContain('\n');
    expect(await queryRows(running.url, 'select 1 as ok')).toEqual([{ ok: 1 }]);
    await running.stop();
  });

  it('when the server was killed and left postmaster.pid behind, then the next start succeeds', async () => {
    const dataDir = join(workDir, 'killed');
    const killed = await start(dataDir);
    await queryRows(killed.url, 'create table t (n int); insert into t values (7)');
    process.kill(await postmasterPid(dataDir), 'SIGKILL');
    await killed.stop(); // resolves once the killed process has exited

    const restarted = await start(dataDir);

    expect(await queryRows(restarted.url, 'select n from t')).toEqual([{ n: 7 }]);
    await restarted.stop();
  });

  it('when postmaster.pid names a live process that is not postgres (a recycled pid), then start succeeds', async () => {
    const dataDir = join(workDir, 'recycled-pid');
    await (await start(dataDir)).stop();
    const stranger = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      await writeFile(join(dataDir, 'postmaster.pid'), `${stranger.pid}\n${dataDir}\n0\n1\n\n127.0.0.1\n0 0\nready\n`);

      const restarted = await start(dataDir);

      expect(await queryRows(restarted.url, 'select 1 as ok')).toEqual([{ ok: 1 }]);
      await restarted.stop();
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('when the data directory holds something else, then start refuses and leaves it untouched', async () => {
    const dataDir = join(workDir, 'not-a-cluster');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'notes.txt'), 'mine');

    await expect(startLocalPostgres({ dataDir, persistent: true })).rejects.toThrow(ClusterStateError);
    await expect(startLocalPostgres({ dataDir, persistent: false })).rejects.toThrow(ClusterStateError);

    expect(await readFile(join(dataDir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
