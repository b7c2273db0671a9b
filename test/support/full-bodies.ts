import { randomUUID } from 'node:crypto';

/** Ids a complete body refers to: the owning project, a parent run and a conversation of the caller. */
export interface BodyRefs {
  projectId: string;
  parentRunId: string;
  conversationId: string;
}

/** A UUID in upper case: the contract accepts it, the store keeps the canonical lower-case form. */
export function upperUuid(): string {
  return randomUUID().toUpperCase();
}

/** Top-level fields every variant accepts, all set. */
function commonFields(refs: BodyRefs, tag: string) {
  return {
    public_id: `full-${tag}-${randomUUID()}`,
    parent_run_id: refs.parentRunId,
    trigger: { conversation_id: refs.conversationId, message_id: upperUuid(), tool_call_id: `call_${tag}` },
  };
}

/** Every property of the RuntimeAgentRequest shape, and every top-level agent property. */
export function fullAgentRuntimeBody(refs: BodyRefs) {
  return {
    ...commonFields(refs, 'runtime'),
    kind: 'agent',
    owner: { kind: 'project', id: refs.projectId },
    conversation_mode: 'none',
    conversation_id: upperUuid(),
    request: {
      mode: 'agent',
      agent_id: 'support-bot',
      implementation_kind: 'lang_graph-2',
      worker_key: 'pool.a:1-b',
      initial_status: 'pending',
      source_target_kind: 'release',
      source_target_environment_id: upperUuid(),
      source_target_branch_id: upperUuid(),
      source_target_release_version: 'v1.2.3',
      runtime_target_kind: 'environment',
      runtime_target_environment_id: upperUuid(),
      runtime_target_branch_id: upperUuid(),
    },
  };
}

/** Every property of the HostedDefaultChatAgentRequest shape, its `input` included. */
export function fullAgentHostedBody(refs: BodyRefs) {
  return {
    ...commonFields(refs, 'hosted'),
    kind: 'agent',
    owner: { kind: 'project', id: refs.projectId },
    conversation_mode: 'none',
    request: {
      mode: 'agent',
      agent_id: 'chat-default',
      initial_status: 'pending',
      source_target_kind: 'preview_branch',
      source_target_environment_id: null,
      source_target_branch_id: upperUuid(),
      source_target_release_version: null,
      runtime_target_kind: 'preview_branch',
      runtime_target_environment_id: null,
      runtime_target_branch_id: upperUuid(),
      input: {
        messages: [{ role: 'user', content: 'hello' }, { anything: [1, 2, { deep: true }] }],
        tools: [
          {
            name: 'search.web:v1',
            description: 'Searches the web',
            parameters: { q: { type: 'string' } },
            inputSchema: { type: 'object' },
            outputSchema: { type: 'array', items: null },
          },
        ],
        context: {
          conversation_id: upperUuid(),
          project_id: refs.projectId,
          project_reference: 'acme/site',
          branch_id: null,
          environment_context: 'staging',
        },
        model: 'gpt-x',
        active_chat_id: 'chat-42',
        allow_delegation: false,
        forwarded_props: { locale: 'de-CH', nested: { n: 1.5, nil: null } },
        runtime_overrides: { allowed_tools: ['search.web:v1'], thinking: 2048, max_steps: 12 },
        durable_root_run: { run_id: 'run_root_of_chat', message_id: upperUuid() },
      },
    },
  };
}

/** Every property of the ProjectAgentStreamAgentRequest shape, its `input` included. */
export function fullAgentStreamBody(refs: BodyRefs) {
  return {
    ...commonFields(refs, 'stream'),
    kind: 'agent',
    owner: { kind: 'project', id: refs.projectId },
    conversation_mode: 'none',
    request: {
      mode: 'agent',
      input: {
        agent_id: 'project-agent',
        source_target_kind: 'environment',
        allow_delegation: true,
        messages: [],
        tools: [{ name: 'lookup', description: 'Looks things up' }],
        context: [
          { type: 'text', title: 'Note', text: 'Be brief.' },
          { type: 'json', title: 'Data', data: { a: [1, 'two', null] } },
          { type: 'resource', title: 'Doc', uri: 'https://example.test/doc', mimeType: 'text/plain', text: 'body' },
        ],
        forwarded_props: { trace: 'abc' },
        runtime_target_kind: 'main_branch',
        target_environment_id: upperUuid(),
        target_branch_id: upperUuid(),
      },
    },
  };
}

/** Every property of the workflow variant. */
export function fullWorkflowBody(refs: BodyRefs) {
  return {
    ...commonFields(refs, 'workflow'),
    kind: 'workflow',
    owner: { kind: 'project', id: refs.projectId },
    request: {
      workflow_id: 'nightly-sync',
      target: 'main',
      runtime_target_kind: 'environment',
      runtime_target_environment_id: upperUuid(),
      runtime_target_branch_id: null,
      input: { since: '2026-01-01', tables: ['a', 'b'], dry: false },
      start_mode: 'immediate',
    },
  };
}

/** Every property of the task variant. */
export function fullTaskBody(refs: BodyRefs) {
  return {
    ...commonFields(refs, 'task'),
    kind: 'task',
    owner: { kind: 'project', id: refs.projectId },
    request: {
      name: 'Resize the hero image',
      target: 'resize-image',
      batch_id: upperUuid(),
      runtime_target_kind: 'preview_branch',
      runtime_target_environment_id: null,
      runtime_target_branch_id: upperUuid(),
      config: { width: 640, formats: ['webp', 'avif'], meta: { keep: true } },
      timeout_seconds: 90,
      backoff_limit: 3,
    },
  };
}

/** Every property of the eval variant. */
export function fullEvalBody(refs: BodyRefs) {
  return {
    ...commonFields(refs, 'eval'),
    kind: 'eval',
    owner: { kind: 'project', id: refs.projectId },
    request: {
      target: 'accuracy-suite',
      runtime_target_kind: 'main_branch',
      runtime_target_environment_id: upperUuid(),
      runtime_target_branch_id: upperUuid(),
      input: { dataset: 'golden-v2', sample: 100 },
      config: { threshold: 0.92, judges: ['a', 'b'] },
      start_mode: 'queued',
    },
  };
}

/** Lower-cases a UUID (or passes null/undefined through), as the store keeps it. */
export function lower(value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : value.toLowerCase();
}
