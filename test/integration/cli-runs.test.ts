import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requestJson, startTestApi, startTestWorker, type TestApi, type TestWorker } from '../support/harness.js';

const run = promisify(execFile);
const RUNQ = fileURLToPath(new URL('../../services/cli/bin/runq.js', import.meta.url));

describe('runq runs (command line)', () => {
  let api: TestApi;
  let worker: TestWorker;
  let env: NodeJS.ProcessEnv;
  const project = randomUUID();

  const runq = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [RUNQ, 'runs', ...args], { env, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  beforeAll(async () => {
    api = await startTestApi();
    env = { PATH: process.env['PATH'], RUNQ_URL: api.url, RUNQ_API_KEY: await api.createKey([project]), RUNQ_PROJECT_ID: project };
    worker = await startTestWorker(api, {
      task: {
        echo: (r) => ({ output: r.config }),
        approve: (_r, ctx) => (ctx.resume ? { output: ctx.resume.data } : ctx.wait('approval')),
      },
    });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('when a run is created with --wait, then it prints the finished run and exits 0', async () => {
    const result = await runq('create', '--kind', 'task', '--target', 'echo', '--input', '{"size":3}', '--wait');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/status\s+completed/);
    expect(result.stdout).toContain('{"size":3}');
  });

  it('when --json is given, then the output is the API object', async () => {
    const created = await runq('create', '--kind', 'task', '--target', 'echo', '--json');
    const body = JSON.parse(created.stdout);
    expect(body.accepted).toBe(true);
    const got = await runq('get', body.run.run_id, '--json');
    expect(JSON.parse(got.stdout).run_id).toBe(body.run.run_id);
  });

  it('when a run is watched, then its timeline is printed as plain lines and ends with the run', async () => {
    const created = JSON.parse((await runq('create', '--kind', 'task', '--target', 'echo', '--json')).stdout);
    const watched = await runq('watch', created.run.run_id);
    expect(watched.code).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines.some((line) => line.includes('pending -> running'))).toBe(true);
    expect(lines.at(-2)).toContain('running -> completed');
    expect(lines.at(-1)).toContain(created.run.run_id);
  });

  it('when runs are listed, cancelled and resumed, then each command acts through the API', async () => {
    const waiting = JSON.parse((await runq('create', '--kind', 'task', '--target', 'approve', '--json')).stdout).run.run_id;
    const other = JSON.parse((await runq('create', '--kind', 'task', '--target', 'approve', '--json')).stdout).run.run_id;
    const waitFor = async (id: string) => {
      for (let i = 0; i < 400; i += 1) {
        if ((await requestJson(api.url, 'GET', `/runs/${id}`, { key: env['RUNQ_API_KEY'] })).body.status === 'waiting') return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`${id} never waited`);
    };
    await waitFor(waiting);
    await waitFor(other);
    const listed = await runq('list', '--status', 'waiting', '--limit', '10');
    expect(listed.stdout).toContain(waiting);
    const resumed = await runq('resume', waiting, '--data', '{"approved":true}');
    expect(resumed.code).toBe(0);
    const cancelled = await runq('cancel', other);
    expect(cancelled.stdout).toContain('cancelled');
  });

  it('when the run does not exist or the flags are wrong, then a clear line and a non-zero exit', async () => {
    const missing = await runq('get', 'run_missing');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404');
    const usage = await runq('create', '--kind', 'task');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--target');
    const badJson = await runq('resume', 'run_x', '--data', '{nope');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--data must be JSON');
  });
});
