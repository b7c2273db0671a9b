import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';

const run = promisify(execFile);
const RUNQ = fileURLToPath(new URL('../../services/cli/bin/runq.js', import.meta.url));

describe('runq runs create without --project', () => {
  let api: TestApi;

  const runq = async (key: string, ...args: string[]) => {
    const env = { PATH: process.env['PATH'], RUNQ_URL: api.url, RUNQ_API_KEY: key };
    try {
      const { stdout, stderr } = await run(process.execPath, [RUNQ, 'runs', ...args], { env, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const runsOf = async (key: string) => (await requestJson(api.url, 'GET', '/runs', { key })).body.data as Array<{ owner: { id: string } }>;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when the key has exactly one project, then the run is created in it', async () => {
    const project = randomUUID();
    const key = await api.createKey([project]);
    const created = await runq(key, 'create', '--kind', 'task', '--target', 'echo', '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).run.owner).toEqual({ kind: 'project', id: project });
  });

  it('when the key has several projects, then it exits 2 naming --project and the projects, and creates nothing', async () => {
    const projects = [randomUUID(), randomUUID()];
    const key = await api.createKey(projects);
    const refused = await runq(key, 'create', '--kind', 'task', '--target', 'echo');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--project');
    for (const project of projects) expect(refused.stderr).toContain(project);
    expect(await runsOf(key)).toEqual([]);
  });

  it('when the key has several projects and --project names one, then the run is created there', async () => {
    const projects = [randomUUID(), randomUUID()];
    const key = await api.createKey(projects);
    const created = await runq(key, 'create', '--kind', 'task', '--target', 'echo', '--project', projects[1] as string, '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).run.owner.id).toBe(projects[1]);
  });
});
