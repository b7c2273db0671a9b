import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRunqClient, RunqProblemError, type RunqClient } from '@runq/client';
import { startTestApi, type TestApi } from '../support/harness.js';
import { deliverSigned } from '../support/webhooks.js';

const exec = promisify(execFile);
const RUNQ = fileURLToPath(new URL('../../services/cli/bin/runq.js', import.meta.url));

describe('inbound webhooks through the typed client and the command line', () => {
  let api: TestApi;
  let client: RunqClient;
  let env: NodeJS.ProcessEnv;
  const project = randomUUID();
  const run = { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'echo' } } as const;

  const runq = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [RUNQ, 'webhooks', ...args], { env, timeout: 30_000 });
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
  });
  afterAll(() => api?.close());

  it('when runq.webhooks is used, then create, get, update, pause, resume, rotate-secret, list, deliveries and delete work as the API says', async () => {
    const created = await client.webhooks.create({ key: 'client', name: 'client hook', run });
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.url).toBe(`${api.url}/hooks/${created.id}`);
    expect((await client.webhooks.get(created.id)).name).toBe('client hook');
    expect((await client.webhooks.update(created.id, { name: 'renamed' })).name).toBe('renamed');
    expect((await client.webhooks.pause(created.id)).paused).toBe(true);
    expect((await deliverSigned(api, created.id, created.secret, 'msg_paused', '{}')).status).toBe(409);
    expect((await client.webhooks.resume(created.id)).paused).toBe(false);
    const rotated = await client.webhooks.rotateSecret(created.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.secrets).toHaveLength(2);
    const accepted = await deliverSigned(api, created.id, rotated.secret, 'msg_1', '{"n":1}');
    expect(accepted.status).toBe(202);
    const seen = [];
    for await (const delivery of client.webhooks.deliveries(created.id)) seen.push([delivery.outcome, delivery.run_id]);
    expect(seen).toEqual([
      ['accepted', accepted.body.run.run_id],
      ['rejected', null],
    ]);
    const listed = [];
    for await (const webhook of client.webhooks.list()) listed.push(webhook.id);
    expect(listed).toContain(created.id);
    await client.webhooks.delete(created.id);
    const missing = await client.webhooks.get(created.id).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(RunqProblemError);
    expect((missing as RunqProblemError).status).toBe(404);
  });

  it('when runq webhooks commands run, then each prints what the API answered, the secret only on create and rotate-secret', async () => {
    const created = await runq('create', '--name', 'cli hook', '--kind', 'task', '--target', 'echo', '--key', 'cli', '--json');
    expect(created.code).toBe(0);
    const webhook = JSON.parse(created.stdout);
    expect(webhook).toMatchObject({ key: 'cli', name: 'cli hook', run: { kind: 'task', owner: { id: project }, request: { target: 'echo' } } });
    expect(webhook.secret).toMatch(/^whsec_/);

    const got = await runq('get', webhook.id);
    expect(got.stdout).toContain(`${webhook.id}  cli  cli hook  active  ${api.url}/hooks/${webhook.id}`);
    expect(got.stdout).not.toContain(webhook.secret);
    expect((await runq('pause', webhook.id)).stdout).toContain('paused');
    expect((await runq('resume', webhook.id)).stdout).toContain('active');
    const rotated = await runq('rotate-secret', webhook.id);
    const secret = /secret (whsec_\S+)/.exec(rotated.stdout)?.[1] ?? '';
    expect(secret).not.toBe(webhook.secret);
    expect((await deliverSigned(api, webhook.id, secret, 'msg_cli', '{"n":2}')).status).toBe(202);
    const deliveries = await runq('deliveries', webhook.id);
    expect(deliveries.stdout).toMatch(/accepted {2}202 {2}run_\w+ {2}msg_cli/);
    expect((await runq('list')).stdout).toContain(webhook.id);
    expect((await runq('delete', webhook.id)).stdout).toContain(`deleted ${webhook.id}`);
    expect((await runq('get', webhook.id)).code).toBe(1);
  });

  it('when runq webhooks create has a bad template or no name, then it exits 1 naming the field, or 2 for usage', async () => {
    const bad = await runq('create', '--name', 'x', '--body', JSON.stringify({ name: 'x', run: { ...run, public_id: 'p' } }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('/run/public_id');
    const unnamed = await runq('create', '--kind', 'task', '--target', 'echo');
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('--name');
  });
});
