import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { mergedDocument } from '@runq/contract';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { createRun } from '../support/run-api.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

/** Redocly's `recommended` rules over a document; the problems by severity and rule. */
async function lint(document: unknown): Promise<{ errors: string[]; warnings: string[] }> {
  const problems = await lintFromString({
    source: JSON.stringify(document),
    absoluteRef: '/openapi.json',
    config: await createConfig({ extends: ['recommended'] }),
  });
  const describe = (severity: string) =>
    problems.filter((problem) => problem.severity === severity).map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`);
  return { errors: describe('error'), warnings: describe('warn') };
}

/**
 * Type-checks each fixture (strict), one module per name, against openapi-typescript's types of
 * `document` (module `./api.js`); the diagnostics of each.
 */
async function typeCheck(document: unknown, fixtures: Record<string, string>): Promise<Record<string, string[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'runq-openapi-'));
  try {
    await writeFile(join(dir, 'api.ts'), astToString(await openapiTS(document as never)));
    for (const [name, text] of Object.entries(fixtures)) await writeFile(join(dir, `${name}.ts`), text);
    const program = ts.createProgram(
      Object.keys(fixtures).map((name) => join(dir, `${name}.ts`)),
      {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2023,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        types: [],
      },
    );
    const diagnostics = ts.getPreEmitDiagnostics(program);
    return Object.fromEntries(
      Object.keys(fixtures).map((name) => [
        name,
        diagnostics
          .filter((diagnostic) => diagnostic.file === undefined || diagnostic.file.fileName.endsWith(`/${name}.ts`))
          .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
      ]),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the served API description (/openapi.json)', () => {
  let api: TestApi;
  let served: Record<string, any>;

  beforeAll(async () => {
    api = await startTestApi();
    const response = await requestJson(api.url, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    served = response.body;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('when Redocly lints it with its recommended rules, then there is no error, where the document before the 3.1 rewriting has dozens', async () => {
    const result = await lint(served);
    expect(result.errors).toEqual([]);
    const before = await lint(mergedDocument());
    expect(before.errors.filter((error) => error.includes('nullable')).length).toBeGreaterThan(60);
    expect(before.errors.filter((error) => error.includes('exclusiveMinimum')).length).toBeGreaterThan(0);
  });

  it('when compared with the routers, then every route the API serves is described and every described route is served', () => {
    const described = Object.entries(served['paths'] as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const routes = api.api.routes.map((route) => `${route.method} ${route.path}`).sort();
    expect(routes).toContain('GET /whoami');
    expect(routes).toContain('PUT /policies/{name}');
    expect(routes).toContain('GET /openapi.json');
    expect(described).toEqual([...new Set(routes)]);
  });

  it('when openapi-typescript generates types from it, then real responses of the API type-check against them', async () => {
    const project = randomUUID();
    const key = await api.createKey([project]);
    const created = await createRun(api, key, { kind: 'task', owner: { kind: 'project', id: project }, request: { target: 'typed' } });
    const runId = created.run.run_id as string;
    const answers = {
      created,
      run: (await requestJson(api.url, 'GET', `/runs/${runId}`, { key })).body,
      page: (await requestJson(api.url, 'GET', '/runs?limit=5', { key })).body,
      events: (await requestJson(api.url, 'GET', `/runs/${runId}/events`, { key })).body,
      policy: (await requestJson(api.url, 'PUT', '/policies/typed', { key, body: { concurrency: { limit: 2 }, ttl: '1h' } })).body,
      whoami: (await requestJson(api.url, 'GET', '/whoami', { key })).body,
      problem: (await requestJson(api.url, 'GET', '/runs/run_01JZ0000000000000000000000', { key })).body,
    };
    // The envelope of a pending run carries nulls (no parent, no result yet): what a generator
    // that ignores `nullable` gets wrong.
    expect(Object.values(answers.run).filter((value) => value === null).length).toBeGreaterThan(3);
    expect(answers.problem.status).toBe(404);
    const fixture = (values: typeof answers) => `import type { components, operations } from './api.js';
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export const created: Json<operations['createRun']['responses'][202]> = ${JSON.stringify(values.created)};
export const run: components['schemas']['Run'] = ${JSON.stringify(values.run)};
export const page: Json<operations['listRuns']['responses'][200]> = ${JSON.stringify(values.page)};
export const events: Json<operations['listRunEvents']['responses'][200]> = ${JSON.stringify(values.events)};
export const policy: components['schemas']['Policy'] = ${JSON.stringify(values.policy)};
export const whoami: components['schemas']['Whoami'] = ${JSON.stringify(values.whoami)};
export const problem: components['schemas']['Problem'] = ${JSON.stringify(values.problem)};
`;
    // A control the types must refuse: the same answers with a status no run can have.
    const wrong = { ...answers, run: { ...answers.run, status: 'paused' } };
    const diagnostics = await typeCheck(served, { real: fixture(answers), wrong: fixture(wrong) });
    expect(diagnostics['real']).toEqual([]);
    expect(diagnostics['wrong']?.some((message) => message.includes('"paused"'))).toBe(true);
  });
});
