/* Cases for the RuntimeAgentRequest and HostedDefaultChatAgentRequest shapes. */
import { REMOVE, SAMPLE_UUID } from '../testing.js';
import { agentTargetCases, toolCases } from './agent-shared.cases.js';
import { edit, freeObjectCases, issue, lengthCases, MSG, requiredCase, stringCases, unknownPropertyCase, uuidCases, type RequestCase } from './request-case.js';

const R = 'agent/request/RuntimeAgentRequest';
const KIND_PATTERN = '^[a-zA-Z0-9_-]+$';
const KEY_PATTERN = '^[a-zA-Z0-9_.:-]+$';

const runtimeCases: RequestCase[] = [
  { fixture: 'agent-runtime', edits: [], expected: 'valid', covers: [`${R}#branch`] },
  ...agentTargetCases('agent-runtime', R),
  {
    fixture: 'agent-runtime',
    edits: [
      ['/request/implementation_kind', REMOVE],
      ['/request/worker_key', 'pool-1'],
    ],
    expected: issue('/request/implementation_kind', MSG.required),
    covers: [`${R}#required:implementation_kind`],
  },
  edit('agent-runtime', '/request/implementation_kind', 'Lang_Graph-2', 'valid', `${R}/implementation_kind#pattern`),
  edit(
    'agent-runtime',
    '/request/implementation_kind',
    'lang graph',
    issue('/request/implementation_kind', MSG.pattern(KIND_PATTERN)),
    `${R}/implementation_kind#pattern`,
  ),
  edit(
    'agent-runtime',
    '/request/implementation_kind',
    'lang.graph',
    issue('/request/implementation_kind', MSG.pattern(KIND_PATTERN)),
    `${R}/implementation_kind#pattern`,
  ),
  edit(
    'agent-runtime',
    '/request/implementation_kind',
    '',
    [
      { path: '/request/implementation_kind', message: MSG.notEmpty },
      { path: '/request/implementation_kind', message: MSG.pattern(KIND_PATTERN) },
    ],
    `${R}/implementation_kind#minLength`,
  ),
  ...lengthCases('agent-runtime', '/request/implementation_kind', `${R}/implementation_kind`, { max: 64 }),
  edit('agent-runtime', '/request/worker_key', 'pool.eu-1:worker_7', 'valid', `${R}/worker_key#pattern`),
  edit('agent-runtime', '/request/worker_key', 'pool/1', issue('/request/worker_key', MSG.pattern(KEY_PATTERN)), `${R}/worker_key#pattern`),
  edit(
    'agent-runtime',
    '/request/worker_key',
    '',
    [
      { path: '/request/worker_key', message: MSG.notEmpty },
      { path: '/request/worker_key', message: MSG.pattern(KEY_PATTERN) },
    ],
    `${R}/worker_key#minLength`,
  ),
  ...lengthCases('agent-runtime', '/request/worker_key', `${R}/worker_key`, { max: 128 }),
  unknownPropertyCase('agent-runtime', '/request', R),
  edit('agent-runtime', '/request/input', { messages: [] }, issue('/request/input', MSG.unknown)),
];

const H = 'agent/request/HostedDefaultChatAgentRequest';
const f = 'agent-hosted';
const input = '/request/input';
const context = `${input}/context`;
const overrides = `${input}/runtime_overrides`;
const root = `${input}/durable_root_run`;

const hostedCases: RequestCase[] = [
  { fixture: f, edits: [], expected: 'valid', covers: [`${H}#branch`] },
  edit(f, input, REMOVE, 'valid'),
  ...agentTargetCases(f, H),
  unknownPropertyCase(f, '/request', H),
  edit(f, input, 'x', issue(input, MSG.object)),
  unknownPropertyCase(f, input, `${H}/input`),
  requiredCase(f, `${input}/messages`, `${H}/input`),
  requiredCase(f, context, `${H}/input`),
  edit(f, `${input}/messages`, [{ role: 'user', content: 'hi' }], 'valid'),
  edit(f, `${input}/messages`, ['hi'], issue(`${input}/messages/0`, MSG.object)),
  ...toolCases(f, `${input}/tools`, `${H}/input/tools`),
  edit(f, context, 'x', issue(context, MSG.object)),
  requiredCase(f, `${context}/project_id`, `${H}/input/context`),
  requiredCase(f, `${context}/branch_id`, `${H}/input/context`),
  unknownPropertyCase(f, context, `${H}/input/context`),
  ...uuidCases(f, `${context}/conversation_id`, `${H}/input/context/conversation_id`, false),
  ...uuidCases(f, `${context}/project_id`, `${H}/input/context/project_id`, true),
  ...uuidCases(f, `${context}/branch_id`, `${H}/input/context/branch_id`, true),
  ...lengthCases(f, `${context}/project_reference`, `${H}/input/context/project_reference`, { min: 1 }),
  edit(f, `${context}/project_reference`, null, 'valid', `${H}/input/context/project_reference#nullable`),
  ...stringCases(f, `${context}/environment_context`),
  ...stringCases(f, `${input}/model`),
  ...stringCases(f, `${input}/active_chat_id`),
  edit(f, `${input}/allow_delegation`, false, 'valid'),
  edit(f, `${input}/allow_delegation`, 'yes', issue(`${input}/allow_delegation`, 'must be a boolean')),
  ...freeObjectCases(f, `${input}/forwarded_props`, `${H}/input/forwarded_props`),
  edit(f, overrides, {}, 'valid'),
  unknownPropertyCase(f, overrides, `${H}/input/runtime_overrides`),
  edit(f, `${overrides}/allowed_tools`, ['search'], 'valid'),
  edit(f, `${overrides}/allowed_tools`, [''], issue(`${overrides}/allowed_tools/0`, MSG.notEmpty), `${H}/input/runtime_overrides/allowed_tools/[]#minLength`),
  edit(
    f,
    `${overrides}/allowed_tools`,
    Array.from({ length: 100 }, (_, i) => `t${i}`),
    'valid',
  ),
  edit(
    f,
    `${overrides}/allowed_tools`,
    Array.from({ length: 101 }, (_, i) => `t${i}`),
    issue(`${overrides}/allowed_tools`, MSG.maxItems(100)),
    `${H}/input/runtime_overrides/allowed_tools#maxItems`,
  ),
  edit(f, `${overrides}/thinking`, false, 'valid', `${H}/input/runtime_overrides/thinking/0#branch`, `${H}/input/runtime_overrides/thinking/0#enum`),
  edit(f, `${overrides}/thinking`, true, issue(`${overrides}/thinking`, MSG.exactly(false)), `${H}/input/runtime_overrides/thinking/0#enum`),
  edit(f, `${overrides}/thinking`, 2048, 'valid', `${H}/input/runtime_overrides/thinking/1#branch`, `${H}/input/runtime_overrides/thinking/1#exclusiveMinimum`),
  edit(f, `${overrides}/thinking`, 1, 'valid'),
  edit(f, `${overrides}/thinking`, 0, issue(`${overrides}/thinking`, MSG.greaterThan(0)), `${H}/input/runtime_overrides/thinking/1#exclusiveMinimum`),
  edit(f, `${overrides}/thinking`, 1.5, issue(`${overrides}/thinking`, MSG.integer)),
  edit(f, `${overrides}/thinking`, 'high', issue(`${overrides}/thinking`, 'must be a boolean or an integer')),
  edit(f, `${overrides}/max_steps`, 1, 'valid', `${H}/input/runtime_overrides/max_steps#exclusiveMinimum`),
  edit(f, `${overrides}/max_steps`, 0, issue(`${overrides}/max_steps`, MSG.greaterThan(0)), `${H}/input/runtime_overrides/max_steps#exclusiveMinimum`),
  edit(f, `${overrides}/max_steps`, -3, issue(`${overrides}/max_steps`, MSG.greaterThan(0))),
  edit(f, root, { run_id: 'run_1', message_id: SAMPLE_UUID }, 'valid'),
  edit(f, root, { message_id: SAMPLE_UUID }, issue(`${root}/run_id`, MSG.required), `${H}/input/durable_root_run#required:run_id`),
  edit(f, root, { run_id: 'run_1' }, issue(`${root}/message_id`, MSG.required), `${H}/input/durable_root_run#required:message_id`),
  edit(
    f,
    root,
    { run_id: 'run_1', message_id: SAMPLE_UUID, extra: 1 },
    issue(`${root}/extra`, MSG.unknown),
    `${H}/input/durable_root_run#additionalProperties`,
  ),
  edit(f, root, { run_id: '', message_id: SAMPLE_UUID }, issue(`${root}/run_id`, MSG.notEmpty), `${H}/input/durable_root_run/run_id#minLength`),
  edit(f, root, { run_id: 'r'.repeat(128), message_id: SAMPLE_UUID }, 'valid'),
  edit(
    f,
    root,
    { run_id: 'r'.repeat(129), message_id: SAMPLE_UUID },
    issue(`${root}/run_id`, MSG.maxLength(128)),
    `${H}/input/durable_root_run/run_id#maxLength`,
  ),
  edit(
    f,
    root,
    { run_id: 'run_1', message_id: `urn:uuid:${SAMPLE_UUID}` },
    issue(`${root}/message_id`, MSG.uuid),
    `${H}/input/durable_root_run/message_id#format`,
  ),
];

/** Every case of this file. */
export const runtimeAndHostedCases: readonly RequestCase[] = [...runtimeCases, ...hostedCases];
