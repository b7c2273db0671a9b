/**
 * Test helpers for packages that build on the contract (`@runq/contract/testing`): minimal
 * valid bodies of every request variant and shape, a complete valid 202 body, and a JSON
 * pointer mutation helper to derive invalid bodies from them. Every call returns fresh objects.
 */

/** A fixed, valid UUID (lower case). */
export const SAMPLE_UUID = '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11';
/** A second valid UUID, upper case (the contract's `format: uuid` is case-insensitive). */
export const OTHER_UUID = 'A3F1C2D4-5B6E-4F70-8192-A3B4C5D6E7F8';

/** Names of the minimal valid request bodies returned by {@link validRequestBody}. */
export type RequestFixture = 'agent-runtime' | 'agent-hosted' | 'agent-stream' | 'workflow' | 'task' | 'eval';

/** Every fixture name, in document order. */
export const REQUEST_FIXTURES: readonly RequestFixture[] = ['agent-runtime', 'agent-hosted', 'agent-stream', 'workflow', 'task', 'eval'];

/**
 * A fresh minimal valid `POST /runs` body: only required properties, plus for `agent-hosted`
 * the `input` object (itself optional) with its required `messages` and `context`.
 *
 * @example
 * const body = setAtPointer(validRequestBody('task'), '/request/timeout_seconds', 0);
 */
export function validRequestBody(fixture: RequestFixture): Record<string, unknown> {
  const project = { kind: 'project', id: SAMPLE_UUID };
  switch (fixture) {
    case 'agent-runtime':
      return {
        kind: 'agent',
        owner: { kind: 'conversation', id: SAMPLE_UUID },
        request: { mode: 'agent', agent_id: 'support-bot', implementation_kind: 'langgraph' },
      };
    case 'agent-hosted':
      return {
        kind: 'agent',
        owner: { kind: 'conversation', id: SAMPLE_UUID },
        request: {
          mode: 'agent',
          agent_id: 'support-bot',
          input: { messages: [], context: { project_id: null, branch_id: null } },
        },
      };
    case 'agent-stream':
      return {
        kind: 'agent',
        owner: project,
        request: { mode: 'agent', input: { agent_id: 'support-bot' } },
      };
    case 'workflow':
      return { kind: 'workflow', owner: project, request: { workflow_id: 'nightly-sync', target: 'main' } };
    case 'task':
      return { kind: 'task', owner: project, request: { target: 'resize-image' } };
    case 'eval':
      return { kind: 'eval', owner: project, request: { target: 'accuracy-suite' } };
  }
}

/**
 * A fresh complete valid 202 body: every required property of the envelope, `null` wherever
 * the contract allows it, optional properties left out.
 */
export function validCreateRunResponse(): Record<string, unknown> {
  return {
    accepted: true,
    run: {
      run_id: 'run_01J9Z7Q4W3',
      kind: 'task',
      status: 'pending',
      owner: { kind: 'project', id: SAMPLE_UUID },
      parent_run_id: null,
      root_run_id: 'run_01J9Z7Q4W3',
      waiting_reason: null,
      target: null,
      workflow_id: null,
      schedule_id: null,
      batch_id: null,
      runtime_target_kind: null,
      runtime_target_environment_id: null,
      runtime_target_branch_id: null,
      error: null,
      logs: null,
      artifacts: [],
      duration_ms: null,
      exit_code: null,
      start_mode: null,
      timeout_seconds: null,
      backoff_limit: null,
      trigger_kind: null,
      trigger_id: null,
      created_by: null,
      updated_at: '2026-11-29T04:40:00.000Z',
      created_at: '2026-11-29T04:40:00.000Z',
      started_at: null,
      completed_at: null,
    },
  };
}

/** Pass as the value to {@link setAtPointer} to delete the property instead. */
export const REMOVE: unique symbol = Symbol('remove');

/**
 * Returns a deep copy of `body` with the value at a JSON pointer replaced (or deleted with
 * {@link REMOVE}); missing parent objects are created. The input is not changed.
 *
 * @example
 * setAtPointer(validRequestBody('task'), '/request/target', REMOVE);
 */
export function setAtPointer<T>(body: T, pointer: string, value: unknown): T {
  const copy = structuredClone(body);
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = tokens.pop();
  if (last === undefined) throw new Error('setAtPointer needs a non-root pointer');
  let node = copy as unknown as Record<string, unknown>;
  for (const token of tokens) {
    const next = node[token];
    if (typeof next !== 'object' || next === null) node[token] = {};
    node = node[token] as Record<string, unknown>;
  }
  if (value === REMOVE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else {
    node[last] = structuredClone(value);
  }
  return copy;
}
