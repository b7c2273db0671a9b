/*
 * Keeps the hand-written types honest. Each `*_SHAPE` object lists the properties of a type
 * with their presence; `satisfies Shape<T>` makes the type checker (tsconfig.test.json) refuse
 * a missing, extra or differently optional/nullable property, and the test compares the same
 * object with the schema in the document. Enum lists are checked the same way.
 */
import { loadContractDocument, schemaAt } from './contract-document.js';
import type * as C from './index.js';

// `{} extends Pick<T, K>` is the standard test for an optional property.
type Presence<T, K extends keyof T> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  `${{} extends Pick<T, K> ? 'optional' : 'required'}${null extends T[K] ? ' nullable' : ''}`;
type Shape<T> = { [K in keyof T]-?: Presence<T, K> };

/** Accepts exactly the members of union `T`, each once at least. */
const allOf =
  <T>() =>
  <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : never)) =>
    values;

const REQ = '/paths/~1runs/post/requestBody/content/application~1json/schema';
const RES = '/paths/~1runs/post/responses/202/content/application~1json/schema';
const AGENT_REQUEST = `${REQ}/oneOf/0/properties/request`;
const HOSTED_INPUT = `${AGENT_REQUEST}/anyOf/1/properties/input`;
const STREAM_INPUT = `${AGENT_REQUEST}/anyOf/2/properties/input`;

const R = 'required',
  O = 'optional',
  RN = 'required nullable',
  ON = 'optional nullable';
const COMMON = { public_id: O, parent_run_id: O, trigger: O } as const;
const TARGETS = {
  initial_status: O,
  source_target_kind: ON,
  source_target_environment_id: ON,
  source_target_branch_id: ON,
  source_target_release_version: ON,
  runtime_target_kind: ON,
  runtime_target_environment_id: ON,
  runtime_target_branch_id: ON,
} as const;

const shapes: ReadonlyArray<readonly [string, string, object]> = [
  [
    'AgentRunRequest',
    `${REQ}/oneOf/0`,
    { ...COMMON, kind: R, owner: R, conversation_mode: O, conversation_id: O, request: R } satisfies Shape<C.AgentRunRequest>,
  ],
  ['WorkflowRunRequest', `${REQ}/oneOf/1`, { ...COMMON, kind: R, owner: R, request: R } satisfies Shape<C.WorkflowRunRequest>],
  ['TaskRunRequest', `${REQ}/oneOf/2`, { ...COMMON, kind: R, owner: R, request: R } satisfies Shape<C.TaskRunRequest>],
  ['EvalRunRequest', `${REQ}/oneOf/3`, { ...COMMON, kind: R, owner: R, request: R } satisfies Shape<C.EvalRunRequest>],
  ...[0, 1, 2, 3].map(
    (i) =>
      ['RunTrigger', `${REQ}/oneOf/${i}/properties/trigger`, { conversation_id: O, message_id: O, tool_call_id: O } satisfies Shape<C.RunTrigger>] as const,
  ),
  ['ConversationOwner', `${REQ}/oneOf/0/properties/owner/anyOf/0`, { kind: R, id: R } satisfies Shape<C.ConversationOwner>],
  ...['oneOf/0/properties/owner/anyOf/1', 'oneOf/1/properties/owner', 'oneOf/2/properties/owner', 'oneOf/3/properties/owner'].map(
    (path) => ['ProjectOwner', `${REQ}/${path}`, { kind: R, id: R } satisfies Shape<C.ProjectOwner>] as const,
  ),
  [
    'WorkflowRequest',
    `${REQ}/oneOf/1/properties/request`,
    {
      workflow_id: R,
      target: R,
      runtime_target_kind: O,
      runtime_target_environment_id: ON,
      runtime_target_branch_id: ON,
      input: O,
      start_mode: O,
    } satisfies Shape<C.WorkflowRequest>,
  ],
  [
    'TaskRequest',
    `${REQ}/oneOf/2/properties/request`,
    {
      name: O,
      target: R,
      batch_id: O,
      runtime_target_kind: O,
      runtime_target_environment_id: ON,
      runtime_target_branch_id: ON,
      config: O,
      timeout_seconds: O,
      backoff_limit: O,
    } satisfies Shape<C.TaskRequest>,
  ],
  [
    'EvalRequest',
    `${REQ}/oneOf/3/properties/request`,
    {
      target: R,
      runtime_target_kind: O,
      runtime_target_environment_id: ON,
      runtime_target_branch_id: ON,
      input: O,
      config: O,
      start_mode: O,
    } satisfies Shape<C.EvalRequest>,
  ],
  [
    'RuntimeAgentRequest',
    `${AGENT_REQUEST}/anyOf/0`,
    { ...TARGETS, mode: R, agent_id: R, implementation_kind: R, worker_key: O } satisfies Shape<C.RuntimeAgentRequest>,
  ],
  [
    'HostedDefaultChatAgentRequest',
    `${AGENT_REQUEST}/anyOf/1`,
    { ...TARGETS, mode: R, agent_id: R, input: O } satisfies Shape<C.HostedDefaultChatAgentRequest>,
  ],
  ['ProjectAgentStreamAgentRequest', `${AGENT_REQUEST}/anyOf/2`, { mode: R, input: R } satisfies Shape<C.ProjectAgentStreamAgentRequest>],
  [
    'HostedChatInput',
    HOSTED_INPUT,
    {
      messages: R,
      tools: O,
      context: R,
      model: O,
      active_chat_id: O,
      allow_delegation: O,
      forwarded_props: O,
      runtime_overrides: O,
      durable_root_run: O,
    } satisfies Shape<C.HostedChatInput>,
  ],
  ...[`${HOSTED_INPUT}/properties/tools/items`, `${STREAM_INPUT}/properties/tools/items`].map(
    (pointer) => ['AgentTool', pointer, { name: R, description: O, parameters: O, inputSchema: O, outputSchema: O } satisfies Shape<C.AgentTool>] as const,
  ),
  [
    'HostedChatContext',
    `${HOSTED_INPUT}/properties/context`,
    {
      conversation_id: O,
      project_id: RN,
      project_reference: ON,
      branch_id: RN,
      environment_context: O,
    } satisfies Shape<C.HostedChatContext>,
  ],
  ['RuntimeOverrides', `${HOSTED_INPUT}/properties/runtime_overrides`, { allowed_tools: O, thinking: O, max_steps: O } satisfies Shape<C.RuntimeOverrides>],
  ['DurableRootRun', `${HOSTED_INPUT}/properties/durable_root_run`, { run_id: R, message_id: R } satisfies Shape<C.DurableRootRun>],
  [
    'ProjectAgentStreamInput',
    STREAM_INPUT,
    {
      agent_id: R,
      source_target_kind: O,
      allow_delegation: O,
      messages: O,
      tools: O,
      context: O,
      forwarded_props: O,
      runtime_target_kind: ON,
      target_environment_id: ON,
      target_branch_id: ON,
    } satisfies Shape<C.ProjectAgentStreamInput>,
  ],
  ['TextContextItem', `${STREAM_INPUT}/properties/context/items/oneOf/0`, { type: R, title: O, text: R } satisfies Shape<C.TextContextItem>],
  ['JsonContextItem', `${STREAM_INPUT}/properties/context/items/oneOf/1`, { type: R, title: O, data: R } satisfies Shape<C.JsonContextItem>],
  [
    'ResourceContextItem',
    `${STREAM_INPUT}/properties/context/items/oneOf/2`,
    { type: R, title: O, uri: R, mimeType: O, text: O } satisfies Shape<C.ResourceContextItem>,
  ],
  ['CreateRunResponse', RES, { accepted: R, duplicate: O, run: R, conversation_id: ON, message_id: ON } satisfies Shape<C.CreateRunResponse>],
  [
    'RunEnvelope',
    `${RES}/properties/run`,
    {
      run_id: R,
      kind: R,
      status: R,
      owner: R,
      parent_run_id: RN,
      root_run_id: R,
      waiting_reason: RN,
      metadata: ON,
      target: RN,
      workflow_id: RN,
      schedule_id: RN,
      batch_id: RN,
      runtime_target_kind: RN,
      runtime_target_environment_id: RN,
      runtime_target_branch_id: RN,
      input: ON,
      config: ON,
      output: ON,
      error: RN,
      logs: RN,
      artifacts: R,
      duration_ms: RN,
      exit_code: RN,
      start_mode: RN,
      timeout_seconds: RN,
      backoff_limit: RN,
      trigger_kind: RN,
      trigger_id: RN,
      created_by: RN,
      updated_at: R,
      created_at: R,
      started_at: RN,
      completed_at: RN,
    } satisfies Shape<C.RunEnvelope>,
  ],
  ['RunError', `${RES}/properties/run/properties/error`, { message: R, code: O } satisfies Shape<C.RunError>],
];

/** The presence of each property of an object schema, as `Shape` spells it. */
function shapeOf(schema: Readonly<Record<string, any>>): Record<string, string> {
  const required: unknown[] = schema.required ?? [];
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, child]: [string, any]) => [
      name,
      `${required.includes(name) ? 'required' : 'optional'}${child.nullable === true ? ' nullable' : ''}`,
    ]),
  );
}

const enumAt = (pointer: string) => (schemaAt(loadContractDocument(), pointer).enum as unknown[]).filter((value) => value !== null);
const RUNTIME_TARGET_KINDS = allOf<C.RuntimeTargetKind>()(['main_branch', 'environment', 'preview_branch']);

const enums: ReadonlyArray<readonly [string, string, readonly unknown[]]> = [
  ['RunKind', `${RES}/properties/run/properties/kind`, allOf<C.RunKind>()(['agent', 'workflow', 'task', 'eval'])],
  ['RunStatus', `${RES}/properties/run/properties/status`, allOf<C.RunStatus>()(['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled'])],
  ['WaitingReason', `${RES}/properties/run/properties/waiting_reason`, allOf<C.WaitingReason>()(['tool', 'approval', 'event', 'input'])],
  ['TriggerKind', `${RES}/properties/run/properties/trigger_kind`, allOf<C.TriggerKind>()(['manual', 'schedule', 'webhook', 'api'])],
  ['OwnerKind', `${RES}/properties/run/properties/owner/properties/kind`, allOf<C.OwnerKind>()(['conversation', 'project'])],
  ['ConversationMode', `${REQ}/oneOf/0/properties/conversation_mode`, allOf<C.ConversationMode>()(['create_new', 'existing', 'none'])],
  ...[0, 1].map((i) => ['InitialStatus', `${AGENT_REQUEST}/anyOf/${i}/properties/initial_status`, allOf<C.InitialStatus>()(['pending', 'running'])] as const),
  ...[0, 1].map(
    (i) =>
      [
        'SourceTargetKind',
        `${AGENT_REQUEST}/anyOf/${i}/properties/source_target_kind`,
        allOf<C.SourceTargetKind>()(['project', 'main_branch', 'environment', 'preview_branch', 'release']),
      ] as const,
  ),
  [
    'StreamSourceTargetKind',
    `${STREAM_INPUT}/properties/source_target_kind`,
    allOf<C.StreamSourceTargetKind>()(['project', 'main_branch', 'environment', 'preview_branch']),
  ],
  ...[
    `${AGENT_REQUEST}/anyOf/0`,
    `${AGENT_REQUEST}/anyOf/1`,
    STREAM_INPUT,
    `${REQ}/oneOf/1/properties/request`,
    `${REQ}/oneOf/2/properties/request`,
    `${REQ}/oneOf/3/properties/request`,
    `${RES}/properties/run`,
  ].map((pointer) => ['RuntimeTargetKind', `${pointer}/properties/runtime_target_kind`, RUNTIME_TARGET_KINDS] as const),
];

describe('hand-written types against the document', () => {
  it.each(shapes)('when %s is compared with %s, then property names, optionality and nullability agree', (_name, pointer, shape) => {
    expect(shapeOf(schemaAt(loadContractDocument(), pointer))).toEqual(shape);
  });

  it.each(enums)('when %s is compared with the enum at %s, then the values agree', (_name, pointer, values) => {
    expect(enumAt(pointer)).toEqual([...values]);
  });

  it('when the variant kinds are read from the document, then they are the RunKind values in order', () => {
    const kinds = [0, 1, 2, 3].map((i) => enumAt(`${REQ}/oneOf/${i}/properties/kind`)[0]);
    expect(kinds).toEqual(['agent', 'workflow', 'task', 'eval']);
  });
});
