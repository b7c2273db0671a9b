import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { isPortOpen, isProcessRunning, waitFor } from './testing.js';

const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

interface OwnerReport {
  postgresPort: number;
  redisPort: number;
  postgresPid: number;
  redisPid: number;
}

/** Runs test/fixtures/owner-process.mjs and resolves with its report once its servers are up. */
function startOwner(mode: 'crash' | 'idle' | 'hang', pgDataDir: string, redisDir: string): { child: ChildProcess; report: Promise<OwnerReport> } {
  const child = spawn(process.execPath, ['--import', join(fixtures, 'ts-loader.mjs'), join(fixtures, 'owner-process.mjs'), mode, pgDataDir, redisDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const report = new Promise<OwnerReport>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)) as OwnerReport);
    });
    child.once('exit', (code) => reject(new Error(`owner exited (code ${code}) before reporting: ${stderr}`)));
  });
  return { child, report };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The servers are gone when their processes are and their ports refuse connections. */
async function expectServersGone(report: OwnerReport, pgDataDir: string): Promise<void> {
  // These processes are not ours (they were the owner's children), so there is no exit event to
  // await: poll, with a deadline.
  await waitFor('the servers to exit', () => !isProcessRunning(report.postgresPid) && !isProcessRunning(report.redisPid));
  expect(await isPortOpen(report.postgresPort)).toBe(false);
  expect(await isPortOpen(report.redisPort)).toBe(false);
  await waitFor('the throwaway data directory to be removed', async () => !(await exists(pgDataDir)));
}

describe('servers never outlive the process that started them', () => {
  let workDir: string;
  const owners: ChildProcess[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'runq-local-orphans-'));
  });

  afterAll(async () => {
    // Killing an owner is how its servers are stopped (that is what is under test).
    for (const owner of owners) owner.kill('SIGKILL');
    await Promise.all(owners.map(exited));
    await rm(workDir, { recursive: true, force: true });
  });

  it.each([
    ['crashes with an uncaught exception', 'crash'],
    ['exits because it has nothing left to do', 'idle'],
  ] as const)('when the owning process %s, then its servers are stopped and the throwaway data directory is removed', async (_, mode) => {
    const pgDataDir = join(workDir, `${mode}-pg`);
    const { child, report } = startOwner(mode, pgDataDir, join(workDir, `${mode}-redis`));
    owners.push(child);
    const servers = await report;
    expect(await isPortOpen(servers.postgresPort)).toBe(true);

    await exited(child);

    await expectServersGone(servers, pgDataDir);
  });

  it('when the owning process is killed with SIGKILL, then the watchdog stops its servers and removes the data directory', async () => {
    const pgDataDir = join(workDir, 'killed-pg');
    const { child, report } = startOwner('hang', pgDataDir, join(workDir, 'killed-redis'));
    owners.push(child);
    const servers = await report;
    expect(await isPortOpen(servers.redisPort)).toBe(true);

    child.kill('SIGKILL');
    await exited(child);

    await expectServersGone(servers, pgDataDir);
  });
});
