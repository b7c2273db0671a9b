import { contractSchemaPointers, loadContractDocument, schemaAt } from './contract-document.js';
import { runtimeAndHostedCases } from './test-cases/agent-runtime-hosted.cases.js';
import { streamCases } from './test-cases/agent-stream.cases.js';
import { commonCases } from './test-cases/common.cases.js';
import { listConstraintIds } from './test-cases/constraint-ids.js';
import { caseName, type RequestCase } from './test-cases/request-case.js';
import { workflowTaskEvalCases } from './test-cases/workflow-task-eval.cases.js';
import { setAtPointer, validRequestBody } from './testing.js';
import { validateCreateRunRequest } from './validators.js';

const tables: ReadonlyArray<readonly [string, readonly RequestCase[]]> = [
  ['shared by the variants, and the agent owner', commonCases],
  ['agent runtime and hosted shapes', runtimeAndHostedCases],
  ['agent project stream shape', streamCases],
  ['workflow, task and eval requests', workflowTaskEvalCases],
];

function bodyOf(row: RequestCase): Record<string, unknown> {
  return row.edits.reduce((body, [pointer, value]) => setAtPointer(body, pointer, value), validRequestBody(row.fixture));
}

describe.each(tables)('request table: %s', (_, rows) => {
  it.each(rows.map((row) => [caseName(row), row] as const))('%s', (_name, row) => {
    const body = bodyOf(row);
    const result = validateCreateRunRequest(body);
    if (row.expected === 'valid') {
      expect(result).toEqual({ ok: true, value: body });
    } else {
      expect(result).toEqual({ ok: false, errors: row.expected });
    }
  });
});

describe('coverage of the request schema by the tables above', () => {
  const documentIds = listConstraintIds(schemaAt(loadContractDocument(), contractSchemaPointers.createRunRequest));
  const coveredIds = new Set(tables.flatMap(([, rows]) => rows.flatMap((row) => row.covers)));

  it('when the request schema is walked, then it yields the constraints expected of it', () => {
    expect(documentIds).toEqual(
      expect.arrayContaining([
        'task/request/timeout_seconds#exclusiveMinimum',
        'task/request/backoff_limit#minimum',
        'agent/request/RuntimeAgentRequest/implementation_kind#pattern',
        'agent/request/ProjectAgentStreamAgentRequest/input/context/[]/2#required:uri',
        'agent/request/HostedDefaultChatAgentRequest/input/runtime_overrides/thinking/1#branch',
        'agent/owner/0#branch',
        'eval/request/config/*#nullable',
      ]),
    );
    expect(new Set(documentIds).size).toBe(documentIds.length);
    expect(documentIds).toHaveLength(273);
  });

  it('when every constraint of the request schema is listed, then each is exercised by a table case', () => {
    expect(documentIds.filter((id) => !coveredIds.has(id))).toEqual([]);
  });

  it('when the tables name constraints, then each name exists in the request schema', () => {
    const known = new Set(documentIds);
    expect([...coveredIds].filter((id) => !known.has(id))).toEqual([]);
  });
});
