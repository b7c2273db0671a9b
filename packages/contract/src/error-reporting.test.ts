import { MSG } from './test-cases/request-case.js';
import { REMOVE, REQUEST_FIXTURES, SAMPLE_UUID, setAtPointer, validRequestBody } from './testing.js';
import { validateCreateRunRequest } from './validators.js';

const KINDS = ['agent', 'workflow', 'task', 'eval'];

function errorsOf(body: unknown) {
  const result = validateCreateRunRequest(body);
  if (result.ok) throw new Error('expected the body to be refused');
  return result.errors;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('request error reporting: the variant named by kind', () => {
  it('when a task body lacks request.target, then exactly one issue points at /request/target', () => {
    expect(errorsOf(setAtPointer(validRequestBody('task'), '/request/target', REMOVE))).toEqual([{ path: '/request/target', message: 'is required' }]);
  });

  it('when kind is "nope", then the only issue is at /kind and lists the four kinds', () => {
    expect(errorsOf({ kind: 'nope', owner: 5, request: null })).toEqual([{ path: '/kind', message: 'must be one of: "agent", "workflow", "task", "eval"' }]);
  });

  it('when kind is missing, then the only issue is at /kind and says it is required', () => {
    expect(errorsOf({ owner: { kind: 'project', id: SAMPLE_UUID }, request: { target: 'x' } })).toEqual([{ path: '/kind', message: MSG.requiredOneOf(KINDS) }]);
  });

  it.each([null, [], 'task', 42, true])('when the body is %j, then a root issue and the /kind issue are reported', (body) => {
    expect(errorsOf(body)).toEqual([
      { path: '', message: 'must be an object' },
      { path: '/kind', message: MSG.requiredOneOf(KINDS) },
    ]);
  });

  it('when a workflow body has errors, then none of the agent, task or eval variants is reported', () => {
    const body = setAtPointer(validRequestBody('workflow'), '/request/workflow_id', REMOVE);
    expect(errorsOf(body)).toEqual([{ path: '/request/workflow_id', message: 'is required' }]);
  });

  it('when several values are wrong, then every issue is reported once, in schema order, the same on each call', () => {
    let body = validRequestBody('task');
    body = setAtPointer(body, '/public_id', '');
    body = setAtPointer(body, '/request/timeout_seconds', 0);
    body = setAtPointer(body, '/request/batch_id', 'batch-1');
    body = setAtPointer(body, '/request/colour', 'red');
    body = setAtPointer(body, '/owner/id', 'nope');
    const expected = [
      { path: '/public_id', message: 'must not be empty' },
      { path: '/owner/id', message: 'must be a UUID' },
      { path: '/request/colour', message: 'is not allowed (unknown property)' },
      { path: '/request/batch_id', message: 'must be a UUID' },
      { path: '/request/timeout_seconds', message: 'must be greater than 0' },
    ];
    expect(errorsOf(body)).toEqual(expected);
    expect(errorsOf(body)).toEqual(expected);
  });

  it('when a nullable enum gets a number, then one issue lists the allowed values and null (no separate type issue)', () => {
    const body = setAtPointer(validRequestBody('agent-runtime'), '/request/runtime_target_kind', 7);
    expect(errorsOf(body)).toEqual([{ path: '/request/runtime_target_kind', message: 'must be one of: "main_branch", "environment", "preview_branch", null' }]);
  });
});

describe('request error reporting: the agent request shape', () => {
  const hosted = validRequestBody('agent-hosted');

  it('when input.agent_id is present, then the errors are those of ProjectAgentStreamAgentRequest', () => {
    const body = setAtPointer(validRequestBody('agent-stream'), '/request/input/context', [{ type: 'text' }]);
    expect(errorsOf(setAtPointer(body, '/request/input/model', 'gpt'))).toEqual([
      { path: '/request/input/model', message: 'is not allowed (unknown property)' },
      { path: '/request/input/context/0/text', message: 'is required' },
    ]);
  });

  it('when implementation_kind is present, then the errors are those of RuntimeAgentRequest', () => {
    expect(errorsOf(setAtPointer(hosted, '/request/implementation_kind', 'k'))).toEqual([
      { path: '/request/input', message: 'is not allowed (unknown property)' },
    ]);
  });

  it('when only worker_key marks the shape, then RuntimeAgentRequest reports implementation_kind as required', () => {
    const body = setAtPointer(validRequestBody('agent-runtime'), '/request/implementation_kind', REMOVE);
    expect(errorsOf(setAtPointer(body, '/request/worker_key', 'w'))).toEqual([{ path: '/request/implementation_kind', message: 'is required' }]);
  });

  it('when input.model (hosted only) is present, then HostedDefaultChatAgentRequest reports its own errors', () => {
    const body = {
      kind: 'agent',
      owner: { kind: 'project', id: SAMPLE_UUID },
      request: { mode: 'agent', input: { model: 'm', messages: [], context: { project_id: null, branch_id: null } } },
    };
    expect(errorsOf(body)).toEqual([{ path: '/request/agent_id', message: 'is required' }]);
  });

  it('when no property marks the shape, then the shape with the fewest missing or unknown properties is reported', () => {
    const body = setAtPointer(hosted, '/request/input/context', REMOVE);
    expect(errorsOf(body)).toEqual([{ path: '/request/input/context', message: 'is required' }]);
  });

  it('when request is not an object, then one issue says so', () => {
    expect(errorsOf(setAtPointer(hosted, '/request', []))).toEqual([{ path: '/request', message: 'must be an object' }]);
  });
});

describe("request validation: defaults and the caller's object", () => {
  it('when a stream body omits every property with a default, then it is accepted and nothing is filled in', () => {
    const body = validRequestBody('agent-stream');
    const result = validateCreateRunRequest(body);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value).toBe(body);
    expect(Object.keys((body.request as { input: object }).input)).toEqual(['agent_id']);
  });

  it('when a stream body sets values other than the defaults, then it is accepted as it is', () => {
    const body = setAtPointer(validRequestBody('agent-stream'), '/request/input/allow_delegation', false);
    expect(validateCreateRunRequest(body)).toEqual({ ok: true, value: body });
  });

  it.each(REQUEST_FIXTURES)('when a deep-frozen %s body is validated, valid or not, then nothing is written to it', (fixture) => {
    const valid = deepFreeze(validRequestBody(fixture));
    const invalid = deepFreeze(setAtPointer(validRequestBody(fixture), '/request/unexpected', 1));
    expect(validateCreateRunRequest(valid).ok).toBe(true);
    expect(validateCreateRunRequest(invalid).ok).toBe(false);
    expect(valid).toEqual(validRequestBody(fixture));
  });

  it('when a body is valid, then the result holds the very same object', () => {
    const body = validRequestBody('task');
    const result = validateCreateRunRequest(body);
    expect(result.ok && result.value).toBe(body);
  });

  it.each([
    undefined,
    {},
    { kind: 'agent' },
    { kind: 'agent', owner: {}, request: {} },
    { kind: 'task', owner: { kind: 'project' }, request: { target: '' } },
    { kind: 'agent', owner: { kind: 'project', id: SAMPLE_UUID }, request: { mode: 'agent', input: { agent_id: 'a', context: [{ type: 'json', data: 1 }] } } },
  ])('when the refused body %j is validated, then the issue list is not empty and has no duplicates', (body) => {
    const errors = errorsOf(body);
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((e) => `${e.path} ${e.message}`)).size).toBe(errors.length);
  });
});
