import { randomUUID } from 'node:crypto';
import { QUEUE_BACKENDS, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { countRows, createRun, expectFieldError, expectProblem, postRun } from '../support/run-api.js';

describe.each(QUEUE_BACKENDS)('POST /runs conversations on %s', (backend) => {
  let api: TestApi;
  let key: string;
  let otherKey: string;
  const projectId = randomUUID();
  const otherProjectId = randomUUID();
  const project = { kind: 'project', id: projectId };

  beforeAll(async () => {
    api = await startTestApi({ backend });
    key = await api.createKey([projectId]);
    otherKey = await api.createKey([otherProjectId]);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A hosted agent body (its `input` becomes the message content). */
  const hosted = (extra: Record<string, unknown> = {}, owner: unknown = project) => ({
    kind: 'agent',
    owner,
    ...extra,
    request: { mode: 'agent', agent_id: 'chat', input: { messages: [{ role: 'user', text: 'hi' }], context: { project_id: null, branch_id: null } } },
  });

  /** A conversation of `projectId` made through the API. */
  async function newConversation(withKey = key, inProject = projectId): Promise<string> {
    const created = await createRun(api, withKey, hosted({ conversation_mode: 'create_new' }, { kind: 'project', id: inProject }));
    return created.conversation_id;
  }

  async function messagesOf(runId: string) {
    return api.db.selectFrom('messages').selectAll().where('run_id', '=', runId).execute();
  }

  async function tableCounts() {
    return Promise.all([countRows(api, 'runs'), countRows(api, 'conversations'), countRows(api, 'messages'), countRows(api, 'run_events')]);
  }

  it('when conversation_mode is create_new without an id, then a conversation of the project and a message tied to the run are created', async () => {
    const body = hosted({ conversation_mode: 'create_new' });
    const created = await createRun(api, key, body);
    expect(created.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.message_id).toMatch(/^[0-9a-f-]{36}$/);
    const conversation = await api.db.selectFrom('conversations').selectAll().where('id', '=', created.conversation_id).executeTakeFirstOrThrow();
    expect(conversation).toMatchObject({ project_id: projectId, created_by: created.run.created_by });
    expect(await messagesOf(created.run.run_id)).toEqual([
      expect.objectContaining({ id: created.message_id, conversation_id: created.conversation_id, role: 'user', content: body.request.input }),
    ]);
  });

  it('when conversation_mode is create_new with a new conversation_id, then the conversation gets that id in canonical form', async () => {
    const id = randomUUID();
    const created = await createRun(api, key, hosted({ conversation_mode: 'create_new', conversation_id: id.toUpperCase() }));
    expect(created.conversation_id).toBe(id);
    expect(await countRows(api, 'conversations', { column: 'id', value: id })).toBe(1);
    expect(await messagesOf(created.run.run_id)).toHaveLength(1);
  });

  it('when conversation_mode is create_new with the id of a conversation of the caller, then it is reused with a new message', async () => {
    const id = await newConversation();
    const before = await countRows(api, 'conversations');
    const created = await createRun(api, key, hosted({ conversation_mode: 'create_new', conversation_id: id }));
    expect(created.conversation_id).toBe(id);
    expect(await countRows(api, 'conversations')).toBe(before);
    expect(await messagesOf(created.run.run_id)).toEqual([expect.objectContaining({ id: created.message_id, conversation_id: id })]);
  });

  it("when conversation_mode is create_new with the id of another project's conversation, then 404 and nothing is written", async () => {
    const foreign = await newConversation(otherKey, otherProjectId);
    const before = await tableCounts();
    const response = await postRun(api, key, hosted({ conversation_mode: 'create_new', conversation_id: foreign }));
    expectProblem(response, 404, 'conversation_not_found');
    expect(await tableCounts()).toEqual(before);
  });

  it('when conversation_mode is existing with a conversation_id of the caller, then a message is added to it', async () => {
    const id = await newConversation();
    const created = await createRun(api, key, hosted({ conversation_mode: 'existing', conversation_id: id }));
    expect(created.conversation_id).toBe(id);
    expect(await messagesOf(created.run.run_id)).toEqual([expect.objectContaining({ id: created.message_id, conversation_id: id, role: 'user' })]);
  });

  it('when conversation_mode is existing without conversation_id, then the conversation owner is used', async () => {
    const id = await newConversation();
    const created = await createRun(api, key, hosted({ conversation_mode: 'existing' }, { kind: 'conversation', id }));
    expect(created.run.owner).toEqual({ kind: 'conversation', id });
    expect(created.conversation_id).toBe(id);
    expect(await messagesOf(created.run.run_id)).toHaveLength(1);
  });

  it("when conversation_mode is existing with only a trigger conversation, then the trigger's conversation is used", async () => {
    const id = await newConversation();
    const created = await createRun(api, key, hosted({ conversation_mode: 'existing', trigger: { conversation_id: id } }));
    expect(created.conversation_id).toBe(id);
    expect(await messagesOf(created.run.run_id)).toHaveLength(1);
  });

  it('when conversation_mode is existing and no conversation is named anywhere, then 400 points at conversation_id', async () => {
    const before = await tableCounts();
    const response = await postRun(api, key, hosted({ conversation_mode: 'existing' }));
    expectFieldError(response, '/conversation_id');
    expect(await tableCounts()).toEqual(before);
  });

  it('when conversation_mode is existing with an unknown or foreign conversation, then both are the same 404', async () => {
    const foreign = await newConversation(otherKey, otherProjectId);
    const missing = randomUUID();
    const before = await tableCounts();
    const viaForeign = await postRun(api, key, hosted({ conversation_mode: 'existing', conversation_id: foreign }));
    const viaMissing = await postRun(api, key, hosted({ conversation_mode: 'existing', conversation_id: missing }));
    expectProblem(viaForeign, 404, 'conversation_not_found');
    expectProblem(viaMissing, 404, 'conversation_not_found');
    expect(viaForeign.body.detail.replace(foreign, '<id>')).toBe(viaMissing.body.detail.replace(missing, '<id>'));
    expect(await tableCounts()).toEqual(before);
  });

  it('when conversation_mode is none, then no conversation or message is created even for a conversation owner', async () => {
    const id = await newConversation();
    const before = await Promise.all([countRows(api, 'conversations'), countRows(api, 'messages')]);
    const created = await createRun(api, key, hosted({ conversation_mode: 'none' }, { kind: 'conversation', id }));
    expect(created.conversation_id).toBeNull();
    expect(created.message_id).toBeNull();
    expect(await Promise.all([countRows(api, 'conversations'), countRows(api, 'messages')])).toEqual(before);
  });

  it('when conversation_mode is unset and the owner is a conversation, then the run reports it without adding a message', async () => {
    const id = await newConversation();
    const messages = await countRows(api, 'messages');
    const created = await createRun(api, key, hosted({}, { kind: 'conversation', id: id.toUpperCase() }));
    expect(created.run.owner).toEqual({ kind: 'conversation', id });
    expect(created.conversation_id).toBe(id);
    expect(created.message_id).toBeNull();
    expect(await countRows(api, 'messages')).toBe(messages);
  });

  it('when conversation_mode is unset and the owner is a project, then the trigger is kept as metadata and no conversation is reported', async () => {
    const id = await newConversation();
    const messageId = randomUUID();
    const trigger = { conversation_id: id, message_id: messageId };
    const created = await createRun(api, key, hosted({ trigger }));
    expect(created.conversation_id).toBeNull();
    expect(created.message_id).toBeNull();
    expect(created.run.metadata).toMatchObject({ trigger });
  });

  it("when a run is owned by a conversation, then it belongs to the conversation's project", async () => {
    const id = await newConversation();
    const created = await createRun(api, key, {
      kind: 'agent',
      owner: { kind: 'conversation', id },
      request: { mode: 'agent', agent_id: 'a', implementation_kind: 'k' },
    });
    const row = await api.db.selectFrom('runs').select('project_id').where('id', '=', created.run.run_id).executeTakeFirstOrThrow();
    expect(row.project_id).toBe(projectId);
  });

  it('when the conversation owner is unknown or in another project, then both are the same 404 and nothing is written', async () => {
    const foreign = await newConversation(otherKey, otherProjectId);
    const missing = randomUUID();
    const before = await tableCounts();
    const body = (id: string) => ({ kind: 'agent', owner: { kind: 'conversation', id }, request: { mode: 'agent', agent_id: 'a', implementation_kind: 'k' } });
    const viaForeign = await postRun(api, key, body(foreign));
    const viaMissing = await postRun(api, key, body(missing));
    expectProblem(viaForeign, 404, 'conversation_not_found');
    expectProblem(viaMissing, 404, 'conversation_not_found');
    expect(viaForeign.body.detail.replace(foreign, '<id>')).toBe(viaMissing.body.detail.replace(missing, '<id>'));
    expect(await tableCounts()).toEqual(before);
  });

  it('when a create_new run names a parent that does not exist, then nothing is written', async () => {
    const before = await tableCounts();
    const response = await postRun(api, key, hosted({ conversation_mode: 'create_new', parent_run_id: 'run_missing' }));
    expectProblem(response, 404, 'parent_run_not_found');
    expect(await tableCounts()).toEqual(before);
  });

  it.each(['task', 'agent'] as const)(
    "when a %s run names a trigger conversation (its own, another project's or unknown), then the run is accepted and linked to none of them",
    async (kind) => {
      const own = await newConversation();
      const foreign = await newConversation(otherKey, otherProjectId);
      const body = (id: string) =>
        kind === 'task'
          ? { kind: 'task', owner: project, trigger: { conversation_id: id }, request: { target: 't' } }
          : hosted({ trigger: { conversation_id: id } });
      const messages = await countRows(api, 'messages');
      for (const id of [own, foreign, randomUUID()]) {
        const created = await createRun(api, key, body(id));
        expect(created.conversation_id).toBeNull();
        expect(created.run.metadata).toMatchObject({ trigger: { conversation_id: id } });
        const row = await api.db.selectFrom('runs').select('conversation_id').where('id', '=', created.run.run_id).executeTakeFirstOrThrow();
        expect(row.conversation_id).toBeNull();
      }
      expect(await countRows(api, 'messages')).toBe(messages);
    },
  );

  it('when every request of this file has been logged, then no API key or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, [key, otherKey]);
  });
});
