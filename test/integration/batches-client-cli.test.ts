import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRunqClient, RunqProblemError, type RunqClient } from '@runq/client';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';

const exec = promisify(execFile);
const RUNQ = fileURLToPath(new URL('../../services/cli/bin/runq.js', import.meta.url));

describe('batches, replays and bulk actions through the typed client and the command line', () => {
  let api: TestApi;
  let worker: TestWorker;
  let client: RunqClient;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const project = randomUUID();
  const task = (target: string) => ({ kind: 'task', owner: { kind: 'project', id: project }, request: { target } }) as const;

  const runq = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [RUNQ, ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  beforeAll(async () => {
    api = await startTestApi();
    const key = await api.createKey([project]);
    client = createRunqClient({ baseUrl: api.url, token: key });
    env = { PATH: process.env['PATH'], RUNQ_URL: api.url, RUNQ_API_KEY: key, RUNQ_PROJECT_ID: project };
    dir = await mkdtemp(join(tmpdir(), 'runq-batches-'));
    worker = await startTestWorker(api, {
      task: {
        echo: () => ({ output: 'ok' }),
        boom: (run) => {
          if ((run.metadata as { replay_of?: string } | null)?.replay_of) return { output: 'replayed' };
          throw Object.assign(new Error('boom'), { code: 'E_BOOM' });
        },
      },
    });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('when runq.batches, runq.runs.replay and runq.bulkActions are used, then they answer as the API does', async () => {
    const batch = await client.batches.create([task('echo'), task('boom'), { kind: 'task', owner: { kind: 'project', id: project }, request: {} } as never]);
    expect(batch.items.map((item) => item.status)).toEqual(['created', 'created', 'rejected']);
    const progress = await pollUntil(
      () => client.batches.get(batch.batch_id),
      (value) => value.done,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(progress.value.counts).toMatchObject({ completed: 1, failed: 1 });
    const failedId = batch.items[1]?.run?.run_id ?? '';
    const { run: replay } = await client.runs.replay(failedId);
    expect(replay.metadata).toMatchObject({ replay_of: failedId });
    expect((await client.runs.waitFor(replay.run_id, { timeoutMs: 20_000 })).status).toBe('completed');
    const notFinished = await client.runs.replay('run_01ARZ3NDEKTSV4RRFFQ69G5FAV').catch((error: unknown) => error);
    expect(notFinished).toBeInstanceOf(RunqProblemError);
    expect((notFinished as RunqProblemError).status).toBe(404);

    const filter = { created_after: new Date(Date.now() - 60_000).toISOString(), created_before: new Date().toISOString(), status: 'failed' as const };
    expect(await client.bulkActions.dryRun({ action: 'replay', filter })).toEqual({ matched: 1 });
    const id = randomUUID();
    const action = await client.bulkActions.create({ id, action: 'replay', filter });
    expect(action).toMatchObject({ id, matched: 1 });
    const done = await pollUntil(
      () => client.bulkActions.get(id),
      (value) => value.status === 'completed',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(done.value).toMatchObject({ processed: 1, succeeded: 1 });
    expect((await client.bulkActions.abort(id)).status).toBe('completed');
  });

  it('when runq batches create reads an NDJSON file, then each line is an item, a rejected line is reported and the exit status is 1', async () => {
    const file = join(dir, 'items.ndjson');
    await writeFile(
      file,
      `${JSON.stringify(task('echo'))}\n\n${JSON.stringify(task('echo'))}\n${JSON.stringify({ kind: 'task', owner: { kind: 'project', id: project }, request: {} })}\n`,
    );
    const created = await runq('batches', 'create', '--file', file);
    expect(created.code).toBe(1);
    expect(created.stdout).toMatch(/^batch [0-9a-f-]{36}: 2 created, 0 duplicate, 1 rejected$/m);
    expect(created.stdout).toMatch(/item 3: 400 .*\/request\/target/);
    const batchId = /^batch ([0-9a-f-]{36})/m.exec(created.stdout)?.[1] ?? '';
    await pollUntil(
      () => client.batches.get(batchId),
      (value) => value.done,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const shown = await runq('batches', 'get', batchId, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ batch_id: batchId, total: 2, counts: { completed: 2 }, done: true });
    const missing = await runq('batches', 'create', '--file', join(dir, 'none.ndjson'));
    expect(missing.code).not.toBe(0);
  });

  it('when runq runs replay and runq bulk are used, then they replay, count a dry run and follow an action to its end without a bar off a terminal', async () => {
    const { run: failing } = await client.runs.create(task('boom'));
    expect((await client.runs.waitFor(failing.run_id, { timeoutMs: 20_000 })).status).toBe('failed');
    const replayed = await runq('runs', 'replay', failing.run_id, '--json');
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ trigger_kind: 'manual', metadata: { replay_of: failing.run_id } });

    const dry = await runq('bulk', 'replay', '--status', 'failed', '--since', '1h', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const { matched } = JSON.parse(dry.stdout) as { matched: number };
    expect(matched).toBeGreaterThanOrEqual(1);
    const bulk = await runq('bulk', 'replay', '--status', 'failed', '--since', '1h');
    expect(bulk.code).toBe(0);
    expect(bulk.stdout).toMatch(new RegExp(`^[0-9a-f-]{36}  replay  completed  matched ${matched}, processed ${matched}, succeeded ${matched}, failed 0\\n$`));
    expect(bulk.stdout).not.toContain('[#');
    const noWindow = await runq('bulk', 'cancel', '--status', 'pending');
    expect(noWindow.code).not.toBe(0);
    expect(noWindow.stderr).toMatch(/--since/);
  });
});
