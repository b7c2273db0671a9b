import { randomUUID } from 'node:crypto';
import { runCli, type CliResult } from '../support/cli.js';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { expectProblem, keyPrefix, postRun } from '../support/run-api.js';

/** How long a key lookup may be reused by an API process (ApiKeyVerifier's cache), plus slack. */
const REVOCATION_DEADLINE_MS = 5_000 + 2_000;

const KEY_LINE = /^vf_[a-z0-9]{8,32}_[A-Za-z0-9]{32,128}\n$/;

describe('runq keys', () => {
  let api: TestApi;
  let env: Record<string, string>;
  const single = randomUUID();
  const [pairA, pairB] = [randomUUID(), randomUUID()];
  /** Keys created through the CLI in beforeAll (in parallel: each process start costs a few hundred ms). */
  let created: { single: CliResult; pair: CliResult; unused: CliResult; inUse: CliResult };
  const tokenOf = (result: CliResult) => result.stdout.trim();

  beforeAll(async () => {
    api = await startTestApi();
    env = { DATABASE_URL: api.database.url };
    const [singleKey, pair, unused, inUse] = await Promise.all([
      runCli(['keys', 'create', '--project', single.toUpperCase()], env),
      runCli(['keys', 'create', '--project', pairA, '--project', pairB, '--name', 'ci deploy'], env),
      runCli(['keys', 'create', '--project', randomUUID()], env),
      runCli(['keys', 'create', '--project', randomUUID()], env),
    ]);
    created = { single: singleKey, pair, unused, inUse };
  });
  afterAll(async () => {
    await api?.close();
  });

  const task = (projectId: string) => ({ kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 't' } });

  it('when keys are created, then each command prints the key alone on stdout and nothing on stderr', () => {
    for (const result of Object.values(created)) expect(result).toEqual({ code: 0, stdout: expect.stringMatching(KEY_LINE), stderr: '' });
    expect(new Set(Object.values(created).map(tokenOf)).size).toBe(4);
  });

  it('when a key is created for a project, then it acts on that project alone and only a hash of its secret is stored', async () => {
    const token = tokenOf(created.single);
    const run = await postRun(api, token, task(single));
    expect(run.status).toBe(202);
    expect(run.body.run.created_by).toBe(`api_key:${keyPrefix(token)}`);
    expectProblem(await postRun(api, token, task(randomUUID())), 404, 'project_not_found');
    const row = await api.db.selectFrom('api_keys').selectAll().where('prefix', '=', keyPrefix(token)).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ project_ids: [single], name: null, revoked_at: null });
    expect(JSON.stringify(row)).not.toContain(token.slice(token.lastIndexOf('_') + 1));
  });

  it('when a key is created with several projects and a name, then it is scoped to all of them and named', async () => {
    const token = tokenOf(created.pair);
    for (const projectId of [pairA, pairB]) expect((await postRun(api, token, task(projectId))).status).toBe(202);
    const row = await api.db.selectFrom('api_keys').select(['project_ids', 'name']).where('prefix', '=', keyPrefix(token)).executeTakeFirstOrThrow();
    expect({ ...row, project_ids: [...row.project_ids].sort() }).toEqual({ project_ids: [pairA, pairB].sort(), name: 'ci deploy' });
  });

  it('when a key is revoked before its first use, then it is refused at once and a second revoke is an error', async () => {
    const token = tokenOf(created.unused);
    expect(await runCli(['keys', 'revoke', keyPrefix(token)], env)).toEqual({ code: 0, stdout: '', stderr: '' });
    expectProblem(await requestJson(api.url, 'GET', '/runs', { key: token }), 401, 'unauthorized');
    const again = await runCli(['keys', 'revoke', keyPrefix(token)], env);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr.split('\n')[0]).toMatch(/^runq: no active key has prefix/);
  });

  it('when a key in use is revoked, then it is refused within the lookup cache time', async () => {
    const token = tokenOf(created.inUse);
    expect((await requestJson(api.url, 'GET', '/runs', { key: token })).status).toBe(200);
    expect((await runCli(['keys', 'revoke', keyPrefix(token)], env)).code).toBe(0);
    const deadline = Date.now() + REVOCATION_DEADLINE_MS;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      // Polled: revocation reaches the API through its key cache expiring, which has no event.
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await requestJson(api.url, 'GET', '/runs', { key: token })).status;
    }
    expect(status).toBe(401);
  });

  it('when the command line is wrong, then each exits 2 with the error on its first line, nothing on stdout and no key', async () => {
    const cases: [string[], RegExp][] = [
      [['keys', 'create'], /--project/],
      [['keys', 'create', '--project', 'acme'], /"acme" is not a UUID/],
      [['keys', 'create', '--project', randomUUID(), '--bogus'], /--bogus/],
      [['keys'], /create or revoke/],
      [['keys', 'revoke'], /exactly one PREFIX/],
      [['keys', 'revoke', 'a', 'b'], /exactly one PREFIX/],
    ];
    const keysBefore = (await api.db.selectFrom('api_keys').select('id').execute()).length;
    const results = await Promise.all(cases.map(([args]) => runCli(args, env)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      const [first] = result.stderr.split('\n');
      expect({ args, code: result.code, stdout: result.stdout, first }).toEqual({ args, code: 2, stdout: '', first: expect.stringMatching(/^runq: /) });
      expect(first).toMatch(message);
    });
    expect(await api.db.selectFrom('api_keys').select('id').execute()).toHaveLength(keysBefore);
  });

  it('when DATABASE_URL is unset or not a Postgres URL, then exit 1 with one line naming it and no secret', async () => {
    const results = await Promise.all([
      runCli(['keys', 'create', '--project', randomUUID()], {}),
      runCli(['keys', 'create', '--project', randomUUID()], { DATABASE_URL: 'mysql://root:hunter2@localhost/db' }),
    ]);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^runq: DATABASE_URL [^\n]+\n$/);
      expect(result.stderr).not.toContain('hunter2');
    }
  });

  it('when the API has served every key of this file, then no key appears in its logs', () => {
    expectNoSecretsInLogs(api.logs, Object.values(created).map(tokenOf));
  });
});
