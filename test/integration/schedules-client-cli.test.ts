import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRunqClient, RunqProblemError, type RunqClient } from '@runq/client';
import { startTestApi, startTestWorker, type TestApi, type TestWorker } from '../support/harness.js';

const exec = promisify(execFile);
const RUNQ = fileURLToPath(new URL('../../services/cli/bin/runq.js', import.meta.url));

describe('schedules through the typed client and the command line', () => {
  let api: TestApi;
  let worker: TestWorker;
  let client: RunqClient;
  let env: NodeJS.ProcessEnv;
  const project = randomUUID();
  const run = { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'echo' } } as const;

  const runq = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [RUNQ, 'schedules', ...args], { env, timeout: 30_000 });
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
    worker = await startTestWorker(api, { task: { echo: () => ({ output: 'ok' }) } });
  });
  afterAll(async () => {
    for await (const schedule of client.schedules.list()) await client.schedules.delete(schedule.id);
    await worker?.close();
    await api?.close();
  });

  it('when runq.schedules is used, then create, put, get, update, pause, resume, trigger, list, occurrences and delete work as the API says', async () => {
    const created = await client.schedules.create({ key: 'client', spec: { cron: '0 3 * * *', timezone: 'America/New_York' }, run });
    expect(created.upcoming).toHaveLength(5);
    const replaced = await client.schedules.put('client', { spec: { every: '1h', anchor: '2030-01-01T00:00:00Z' }, run });
    expect(replaced.id).toBe(created.id);
    expect((await client.schedules.update(created.id, { jitter: '30s' })).jitter).toBe('30s');
    expect((await client.schedules.pause(created.id)).paused).toBe(true);
    expect((await client.schedules.resume(created.id)).paused).toBe(false);
    const { run: triggered, occurrence } = await client.schedules.trigger(created.id);
    expect(triggered).toMatchObject({ schedule_id: created.id, trigger_kind: 'schedule', trigger_id: occurrence.id });
    const seen = [];
    for await (const row of client.schedules.occurrences(created.id)) seen.push(row);
    expect(seen.map((row) => row.run_id)).toEqual([triggered.run_id]);
    const listed = [];
    for await (const schedule of client.schedules.list({ kind: 'task' })) listed.push(schedule.id);
    expect(listed).toContain(created.id);
    await client.schedules.delete(created.id);
    const missing = await client.schedules.get(created.id).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(RunqProblemError);
    expect((missing as RunqProblemError).status).toBe(404);
  });

  it('when runq schedules commands run, then each prints what the API answered and exits 0', async () => {
    const created = await runq(
      'create',
      '--cron',
      '*/5 * * * *',
      '--timezone',
      'Europe/Berlin',
      '--kind',
      'task',
      '--target',
      'echo',
      '--key',
      'cli',
      '--overlap',
      'allow',
      '--json',
    );
    expect(created.code).toBe(0);
    const schedule = JSON.parse(created.stdout);
    expect(schedule).toMatchObject({
      key: 'cli',
      overlap: 'allow',
      spec: { cron: '*/5 * * * *', timezone: 'Europe/Berlin' },
      run: { request: { target: 'echo' } },
    });

    const got = await runq('get', schedule.id);
    expect(got.stdout).toContain(`${schedule.id}  cli  cron "*/5 * * * *" Europe/Berlin`);
    expect(got.stdout.match(/upcoming /g)).toHaveLength(5);
    expect((await runq('pause', schedule.id)).stdout).toContain('paused');
    expect((await runq('list', '--paused', 'true')).stdout).toContain(schedule.id);
    expect((await runq('resume', schedule.id)).stdout).toContain('next ');
    const triggered = await runq('trigger', schedule.id, '--json');
    expect(JSON.parse(triggered.stdout).run.schedule_id).toBe(schedule.id);
    expect((await runq('delete', schedule.id)).stdout).toContain(`deleted ${schedule.id}`);
    expect((await runq('get', schedule.id)).code).toBe(1);
  });

  it('when runq schedules create is given an invalid cron, then it exits 1 and names the field', async () => {
    const result = await runq('create', '--cron', '61 * * * *', '--kind', 'task', '--target', 'echo');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/spec/cron');
  });

  it('when runq schedules create has no spec, then it is a usage error', async () => {
    const result = await runq('create', '--kind', 'task', '--target', 'echo');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--cron');
  });
});
