import { createContractAjv } from './contract-ajv.js';
import { contractSchemaPointers, loadContractDocument, schemaAt } from './contract-document.js';
import { OPERATION_METHODS } from './openapi-3-1.js';
import { mergedDocument, servedOpenApiJson } from './served-document.js';
import { runtimeAndHostedCases } from './test-cases/agent-runtime-hosted.cases.js';
import { streamCases } from './test-cases/agent-stream.cases.js';
import { commonCases } from './test-cases/common.cases.js';
import type { RequestCase } from './test-cases/request-case.js';
import { workflowTaskEvalCases } from './test-cases/workflow-task-eval.cases.js';
import { REQUEST_FIXTURES, setAtPointer, validCreateRunResponse, validRequestBody } from './testing.js';
import { validateCreateRunRequest, validateCreateRunResponse } from './validators.js';

const served = JSON.parse(servedOpenApiJson()) as Record<string, unknown>;

/** Every object under `node` with its JSON pointer. */
function objectsOf(node: unknown, pointer = ''): Array<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) return node.flatMap((child, index) => objectsOf(child, `${pointer}/${index}`));
  if (typeof node !== 'object' || node === null) return [];
  return [[pointer, node as Record<string, unknown>], ...Object.entries(node).flatMap(([key, child]) => objectsOf(child, `${pointer}/${key}`))];
}

/** `schema` with every `#/components/schemas/…` reference of `document` replaced by its target. */
function inlineComponents(schema: unknown, document: Record<string, any>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inlineComponents(item, document));
  if (typeof schema !== 'object' || schema === null) return schema;
  const ref = (schema as Record<string, unknown>)['$ref'];
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/'))
    return inlineComponents(document['components']['schemas'][ref.split('/').pop() ?? ''], document);
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, inlineComponents(value, document)]));
}

function bodyOf(row: RequestCase): Record<string, unknown> {
  return row.edits.reduce((body, [pointer, value]) => setAtPointer(body, pointer, value), validRequestBody(row.fixture));
}

describe('the served API description', () => {
  it('when served, then no schema keeps an OpenAPI 3.0 idiom, while the seed still has them', () => {
    // A boolean value tells the keyword from a property of that name (whose value is a schema).
    const schemaKeywords = (document: unknown) =>
      objectsOf(document).filter(([, node]) => ['nullable', 'exclusiveMinimum', 'exclusiveMaximum'].some((keyword) => typeof node[keyword] === 'boolean'));
    expect(schemaKeywords(served)).toEqual([]);
    expect(schemaKeywords(loadContractDocument()).length).toBeGreaterThan(60);
  });

  it('when served, then it still says OpenAPI 3.1.0 and keeps the contract document untouched', () => {
    expect(served['openapi']).toBe('3.1.0');
    expect(JSON.stringify(loadContractDocument())).toContain('"nullable":true');
  });

  it('when any request-table body is checked against the served POST /runs schema, then the verdict is the validator’s', () => {
    const schema = schemaAt(served, contractSchemaPointers.createRunRequest);
    const check = createContractAjv('decide').compile(schema);
    const rows = [...commonCases, ...runtimeAndHostedCases, ...streamCases, ...workflowTaskEvalCases];
    const bodies = [...REQUEST_FIXTURES.map((fixture) => validRequestBody(fixture)), ...rows.map(bodyOf)];
    expect(bodies.length).toBeGreaterThan(200);
    let refused = 0;
    for (const body of bodies) {
      const verdict = validateCreateRunRequest(body).ok;
      if (!verdict) refused += 1;
      expect([JSON.stringify(body), check(body)]).toEqual([JSON.stringify(body), verdict]);
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('when 202 bodies with null and non-null envelope fields are checked against the served schema, then the verdict is the validator’s', () => {
    const check = createContractAjv('decide').compile(
      inlineComponents(schemaAt(served, contractSchemaPointers.createRunResponse), served) as Record<string, unknown>,
    );
    const nullable = ['parent_run_id', 'metadata', 'target', 'batch_id', 'runtime_target_kind'];
    const bodies = [
      validCreateRunResponse(),
      ...nullable.map((field) => setAtPointer(validCreateRunResponse(), `/run/${field}`, null)),
      setAtPointer(validCreateRunResponse(), '/run/runtime_target_kind', 'nowhere'),
      setAtPointer(validCreateRunResponse(), '/run/status', null),
    ];
    const verdicts = bodies.map((body) => [check(body), validateCreateRunResponse(body).ok]);
    for (const [servedVerdict, validatorVerdict] of verdicts) expect(servedVerdict).toBe(validatorVerdict);
    expect(verdicts.filter(([verdict]) => verdict).length).toBe(1 + nullable.length);
  });

  it('when served, then every operation has a summary, a unique operation id and a 4XX response', () => {
    const operations = Object.entries(served['paths'] as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      OPERATION_METHODS.filter((method) => item[method]).map((method) => ({ route: `${method} ${path}`, operation: item[method] })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(17);
    for (const { route, operation } of operations) {
      expect([route, typeof operation.summary === 'string' && operation.summary.length > 0]).toEqual([route, true]);
      expect([route, Object.keys(operation.responses).some((status) => /^4(\d\d|XX)$/.test(status))]).toEqual([route, true]);
    }
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when the contract and runq both describe POST /runs, then the contract’s fields win and runq only adds', () => {
    const contractPost = schemaAt(loadContractDocument(), '/paths/~1runs/post');
    const mergedPost = schemaAt(mergedDocument(), '/paths/~1runs/post') as Record<string, any>;
    for (const [key, value] of Object.entries(contractPost)) {
      if (key !== 'responses') expect(mergedPost[key]).toEqual(value);
    }
    expect(inlineComponents(mergedPost['responses']['202'], mergedDocument())).toEqual((contractPost['responses'] as Record<string, unknown>)['202']);
    expect(mergedPost['responses']['202']['content']['application/json']['schema']['properties']['run']).toEqual({ $ref: '#/components/schemas/Run' });
    expect(mergedPost['operationId']).toBe('createRun');
    expect(Object.keys(mergedPost['responses'])).toEqual(expect.arrayContaining(['400', '401', '409', '429']));
  });
});
