import { randomUUID } from 'node:crypto';
import { validRequestBody } from '@runq/contract/testing';
import type { RunQueues } from '@runq/queue';
import { RUN_KINDS, type RunKind } from '@runq/runs';
import {
  fullAgentHostedBody,
  fullAgentRuntimeBody,
  fullAgentStreamBody,
  fullEvalBody,
  fullTaskBody,
  fullWorkflowBody,
  lower,
  type BodyRefs,
} from '../support/full-bodies.js';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { createRun, expectProblem, keyPrefix, openTestQueues, postRun } from '../support/run-api.js';

/** Envelope fields no `POST /runs` body can set: a new run always has them empty. */
const UNSET_BY_CREATE = {
  waiting_reason: null,
  schedule_id: null,
  output: null,
  error: null,
  logs: null,
  artifacts: [],
  duration_ms: null,
  exit_code: null,
  trigger_kind: 'api',
  trigger_id: null,
  completed_at: null,
};

/** Envelope columns a variant does not have. */
const NO_COLUMNS = {
  target: null,
  workflow_id: null,
  batch_id: null,
  runtime_target_kind: null,
  runtime_target_environment_id: null,
  runtime_target_branch_id: null,
  input: null,
  config: null,
  start_mode: null,
  timeout_seconds: null,
  backoff_limit: null,
};

describe.each(QUEUE_BACKENDS)('POST /runs variants on %s', (backend) => {
  let api: TestApi;
  let queues: RunQueues;
  let key: string;
  let refs: BodyRefs;
  let parentRootId: string;
  const projectId = randomUUID();
  const otherProjectId = randomUUID();

  beforeAll(async () => {
    api = await startTestApi({ backend });
    queues = openTestQueues(api);
    key = await api.createKey([projectId]);
    const grandparent = await createRun(api, key, { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'root' } });
    const parent = await createRun(api, key, {
      kind: 'workflow',
      owner: { kind: 'project', id: projectId },
      parent_run_id: grandparent.run.run_id,
      request: { workflow_id: 'wf', target: 'main' },
    });
    parentRootId = grandparent.run.run_id;
    const conversation = await createRun(api, key, {
      kind: 'agent',
      owner: { kind: 'project', id: projectId },
      conversation_mode: 'create_new',
      request: { mode: 'agent', input: { agent_id: 'seed' } },
    });
    refs = { projectId, parentRunId: parent.run.run_id, conversationId: conversation.conversation_id };
  });

  afterAll(async () => {
    await queues?.close();
    await api?.close();
  });

  /** Checks what every full body shares: parent, root, caller, timestamps, and the stored request. */
  async function expectCommon(created: any, body: any): Promise<void> {
    const run = created.run;
    expect(run).toMatchObject({
      ...UNSET_BY_CREATE,
      kind: body.kind,
      status: 'pending',
      owner: { kind: 'project', id: projectId },
      parent_run_id: refs.parentRunId,
      root_run_id: parentRootId,
      created_by: `api_key:${keyPrefix(key)}`,
      started_at: null,
    });
    expect(run.created_at).toBe(run.updated_at);
    expect(Date.now() - Date.parse(run.created_at)).toBeLessThan(60_000);
    expect(created.duplicate).toBe(false);
    const read = await requestJson(api.url, 'GET', `/runs/${run.run_id}`, { key });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(run);
    const row = await api.db.selectFrom('runs').select(['request', 'project_id', 'public_id']).where('id', '=', run.run_id).executeTakeFirstOrThrow();
    expect(row).toEqual({ request: body, project_id: projectId, public_id: body.public_id });
  }

  it('when an agent body of the RuntimeAgentRequest shape sets every field, then each lands in its column or in metadata', async () => {
    const body = fullAgentRuntimeBody(refs);
    const created = await createRun(api, key, body);
    await expectCommon(created, body);
    const { request } = body;
    expect(created.run).toMatchObject({
      ...NO_COLUMNS,
      target: request.agent_id,
      runtime_target_kind: request.runtime_target_kind,
      runtime_target_environment_id: lower(request.runtime_target_environment_id),
      runtime_target_branch_id: lower(request.runtime_target_branch_id),
    });
    expect(created.run.metadata).toEqual({
      public_id: body.public_id,
      trigger: body.trigger,
      conversation_mode: 'none',
      conversation_id: body.conversation_id,
      mode: 'agent',
      implementation_kind: request.implementation_kind,
      worker_key: request.worker_key,
      initial_status: 'pending',
      source_target_kind: request.source_target_kind,
      source_target_environment_id: request.source_target_environment_id,
      source_target_branch_id: request.source_target_branch_id,
      source_target_release_version: request.source_target_release_version,
    });
    // conversation_mode none: no conversation, whatever the trigger says.
    expect(created.conversation_id).toBeNull();
    expect(created.message_id).toBeNull();
  });

  it('when an agent body of the HostedDefaultChatAgentRequest shape sets every field, then its input is the run input and the rest is metadata', async () => {
    const body = fullAgentHostedBody(refs);
    const created = await createRun(api, key, body);
    await expectCommon(created, body);
    const { request } = body;
    expect(created.run).toMatchObject({
      ...NO_COLUMNS,
      target: request.agent_id,
      runtime_target_kind: 'preview_branch',
      runtime_target_environment_id: null,
      runtime_target_branch_id: lower(request.runtime_target_branch_id),
      input: request.input,
    });
    expect(created.run.metadata).toEqual({
      public_id: body.public_id,
      trigger: body.trigger,
      conversation_mode: 'none',
      mode: 'agent',
      initial_status: 'pending',
      source_target_kind: 'preview_branch',
      source_target_environment_id: null,
      source_target_branch_id: request.source_target_branch_id,
      source_target_release_version: null,
    });
  });

  it('when an agent body of the ProjectAgentStreamAgentRequest shape sets every field, then agent and runtime target come from its input', async () => {
    const body = fullAgentStreamBody(refs);
    const created = await createRun(api, key, body);
    await expectCommon(created, body);
    const { input } = body.request;
    expect(created.run).toMatchObject({
      ...NO_COLUMNS,
      target: input.agent_id,
      runtime_target_kind: input.runtime_target_kind,
      runtime_target_environment_id: lower(input.target_environment_id),
      runtime_target_branch_id: lower(input.target_branch_id),
      input,
    });
    expect(created.run.metadata).toEqual({ public_id: body.public_id, trigger: body.trigger, conversation_mode: 'none', mode: 'agent' });
  });

  it('when a workflow body sets every field, then each lands in its column or in metadata', async () => {
    const body = fullWorkflowBody(refs);
    const created = await createRun(api, key, body);
    await expectCommon(created, body);
    const { request } = body;
    expect(created.run).toMatchObject({
      ...NO_COLUMNS,
      target: request.target,
      workflow_id: request.workflow_id,
      runtime_target_kind: request.runtime_target_kind,
      runtime_target_environment_id: lower(request.runtime_target_environment_id),
      runtime_target_branch_id: null,
      input: request.input,
      start_mode: request.start_mode,
    });
    expect(created.run.metadata).toEqual({ public_id: body.public_id, trigger: body.trigger });
    // A trigger is provenance only: kept in metadata, linking the run to no conversation.
    expect(created.conversation_id).toBeNull();
    expect(created.message_id).toBeNull();
  });

  it('when a task body sets every field, then each lands in its column or in metadata', async () => {
    const body = fullTaskBody(refs);
    const created = await createRun(api, key, body);
    await expectCommon(created, body);
    const { request } = body;
    expect(created.run).toMatchObject({
      ...NO_COLUMNS,
      target: request.target,
      batch_id: lower(request.batch_id),
      runtime_target_kind: request.runtime_target_kind,
      runtime_target_environment_id: null,
      runtime_target_branch_id: lower(request.runtime_target_branch_id),
      config: request.config,
      timeout_seconds: 90,
      backoff_limit: 3,
    });
    expect(created.run.metadata).toEqual({ public_id: body.public_id, trigger: body.trigger, name: request.name });
  });

  it('when an eval body sets every field, then each lands in its column or in metadata', async () => {
    const body = fullEvalBody(refs);
    const created = await createRun(api, key, body);
    await expectCommon(created, body);
    const { request } = body;
    expect(created.run).toMatchObject({
      ...NO_COLUMNS,
      target: request.target,
      runtime_target_kind: request.runtime_target_kind,
      runtime_target_environment_id: lower(request.runtime_target_environment_id),
      runtime_target_branch_id: lower(request.runtime_target_branch_id),
      input: request.input,
      config: request.config,
      start_mode: request.start_mode,
    });
    expect(created.run.metadata).toEqual({ public_id: body.public_id, trigger: body.trigger });
  });

  it('when a minimal body of each variant is posted, then the run has no metadata and null columns it was not given', async () => {
    const minimal = { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'bare' } };
    const created = await createRun(api, key, minimal);
    expect(created.run).toMatchObject({ ...NO_COLUMNS, target: 'bare', metadata: null, parent_run_id: null });
    expect(created.conversation_id).toBeNull();
    expect(created.message_id).toBeNull();
  });

  it('when runs are created one after another, then their ids are unique, run_-prefixed ULIDs that sort in creation order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const created = await createRun(api, key, { kind: 'eval', owner: { kind: 'project', id: projectId }, request: { target: `e${i}` } });
      ids.push(created.run.run_id);
    }
    for (const id of ids) expect(id).toMatch(/^run_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('when a run has no parent, then it is its own root; a child and a grandchild share the root', async () => {
    const owner = { kind: 'project', id: projectId };
    const root = await createRun(api, key, { kind: 'task', owner, request: { target: 'r' } });
    expect(root.run.root_run_id).toBe(root.run.run_id);
    expect(root.run.parent_run_id).toBeNull();
    const child = await createRun(api, key, { kind: 'eval', owner, parent_run_id: root.run.run_id, request: { target: 'c' } });
    expect(child.run).toMatchObject({ parent_run_id: root.run.run_id, root_run_id: root.run.run_id });
    const grandchild = await createRun(api, key, { kind: 'workflow', owner, parent_run_id: child.run.run_id, request: { workflow_id: 'w', target: 'g' } });
    expect(grandchild.run).toMatchObject({ parent_run_id: child.run.run_id, root_run_id: root.run.run_id });
  });

  it('when parent_run_id names a run of another project, then the answer is the same 404 as for a run that does not exist', async () => {
    const otherKey = await api.createKey([otherProjectId]);
    const foreign = await createRun(api, otherKey, { kind: 'task', owner: { kind: 'project', id: otherProjectId }, request: { target: 'x' } });
    const before = await api.db.selectFrom('runs').select('id').execute();
    const viaForeign = await postRun(api, key, {
      kind: 'task',
      owner: { kind: 'project', id: projectId },
      parent_run_id: foreign.run.run_id,
      request: { target: 't' },
    });
    const missingId = `run_${'0'.repeat(26)}`;
    const viaMissing = await postRun(api, key, {
      kind: 'task',
      owner: { kind: 'project', id: projectId },
      parent_run_id: missingId,
      request: { target: 't' },
    });
    expectProblem(viaForeign, 404, 'parent_run_not_found');
    expectProblem(viaMissing, 404, 'parent_run_not_found');
    expect(viaForeign.body.title).toBe(viaMissing.body.title);
    expect(viaForeign.body.detail.replace(foreign.run.run_id, '<id>')).toBe(viaMissing.body.detail.replace(missingId, '<id>'));
    expect(Object.keys(viaForeign.body).sort()).toEqual(Object.keys(viaMissing.body).sort());
    expect(await api.db.selectFrom('runs').select('id').execute()).toHaveLength(before.length);
  });

  it('when a run is created, then trigger_kind is api and created_by names the calling key', async () => {
    const otherKey = await api.createKey([projectId]);
    const created = await createRun(api, otherKey, { ...validRequestBody('task'), owner: { kind: 'project', id: projectId } });
    expect(created.run.trigger_kind).toBe('api');
    expect(created.run.created_by).toBe(`api_key:${keyPrefix(otherKey)}`);
  });

  it.each(['agent-runtime', 'agent-hosted'] as const)(
    'when a %s agent is created with initial_status running, then it is running, started and not queued',
    async (fixture) => {
      const body = validRequestBody(fixture) as any;
      body.owner = { kind: 'project', id: projectId };
      body.request.initial_status = 'running';
      const created = await createRun(api, key, body);
      expect(created.run.status).toBe('running');
      expect(created.run.started_at).toBe(created.run.created_at);
      const row = await api.db.selectFrom('runs').select(['executor', 'attempt']).where('id', '=', created.run.run_id).executeTakeFirstOrThrow();
      expect(row).toEqual({ executor: 'caller', attempt: 1 });
      for (const kind of RUN_KINDS) expect(await queues.queue(kind).getJob(created.run.run_id)).toBeUndefined();
      const events = await requestJson(api.url, 'GET', `/runs/${created.run.run_id}/events`, { key });
      expect(events.body.data).toEqual([expect.objectContaining({ seq: 1, from_status: null, to_status: 'running', attempt: 1, at: created.run.created_at })]);
    },
  );

  it.each([
    ['agent', 'agent-stream'],
    ['workflow', 'workflow'],
    ['task', 'task'],
    ['eval', 'eval'],
  ] as const)('when a %s run is created, then it is committed with its first event and put on its own queue under the run id', async (kind, fixture) => {
    const body = validRequestBody(fixture) as any;
    body.owner = { kind: 'project', id: projectId };
    const created = await createRun(api, key, body);
    const runId = created.run.run_id;
    expect(created.run.status).toBe('pending');
    const events = await api.db.selectFrom('run_events').selectAll().where('run_id', '=', runId).execute();
    expect(events).toEqual([
      expect.objectContaining({
        seq: 1,
        from_status: null,
        to_status: 'pending',
        attempt: 0,
        data: { trigger_kind: 'api', created_by: created.run.created_by },
      }),
    ]);
    expect(events[0]?.at.toISOString()).toBe(created.run.created_at);
    const job = await queues.queue(kind).getJob(runId);
    expect(job).toBeDefined();
    expect(job?.id).toBe(runId);
    expect(job?.data).toEqual({ runId });
    expect(await queues.jobState(kind, runId)).toBe('waiting');
    for (const other of RUN_KINDS.filter((k: RunKind) => k !== kind)) expect(await queues.queue(other).getJob(runId)).toBeUndefined();
  });

  it('when every test above has run, then no run exists without its first event', async () => {
    const orphans = await api.db
      .selectFrom('runs')
      .select('id')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('run_events').select('seq').whereRef('run_events.run_id', '=', 'runs.id').where('seq', '=', 1))),
      )
      .execute();
    expect(orphans).toEqual([]);
    expect(await api.db.selectFrom('runs').select('id').execute()).not.toHaveLength(0);
  });

  it('when every request of this file has been logged, then no API key or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, [key]);
  });
});
