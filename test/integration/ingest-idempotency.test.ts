import { randomUUID } from 'node:crypto';
import type { RunQueues } from '@runq/queue';
import { QUEUE_BACKENDS, requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { countRows, createRun, expectCreateRunResponse, expectProblem, openTestQueues, postRun } from '../support/run-api.js';

const CONCURRENT_REQUESTS = 50;

describe.each(QUEUE_BACKENDS)('POST /runs idempotency on %s', (backend) => {
  let api: TestApi;
  let queues: RunQueues;
  let key: string;
  const projectId = randomUUID();
  const otherProjectId = randomUUID();
  const project = { kind: 'project', id: projectId };

  beforeAll(async () => {
    api = await startTestApi({ backend });
    queues = openTestQueues(api);
    key = await api.createKey([projectId, otherProjectId]);
  });
  afterAll(async () => {
    await queues?.close();
    await api?.close();
  });

  const runsWithPublicId = (publicId: string) => countRows(api, 'runs', { column: 'public_id', value: publicId });

  /** Sends `count` copies of the same body at once (raw text, so every request is byte-identical). */
  async function postConcurrently(body: unknown, count = CONCURRENT_REQUESTS) {
    const text = JSON.stringify(body);
    return Promise.all(Array.from({ length: count }, () => requestJson(api.url, 'POST', '/runs', { key, body: text })));
  }

  it('when a public_id is repeated with the same body, then the answer is 202 duplicate with the existing run', async () => {
    const body = { kind: 'task', owner: project, public_id: `same-${randomUUID()}`, request: { target: 't', config: { a: 1 } } };
    const first = await createRun(api, key, body);
    const again = await createRun(api, key, body);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.run).toEqual(first.run);
    expect({ ...again, duplicate: false }).toEqual(first);
    expect(await runsWithPublicId(body.public_id)).toBe(1);
  });

  it('when runs are created with and without a public_id, then only the one with a public_id keeps a request hash, and the schema refuses a public_id without one', async () => {
    const withId = await createRun(api, key, { kind: 'task', owner: project, public_id: `hashed-${randomUUID()}`, request: { target: 't' } });
    const withoutId = await createRun(api, key, { kind: 'task', owner: project, request: { target: 't' } });
    const hashOf = async (runId: string) =>
      (await api.db.selectFrom('runs').select('request_hash').where('id', '=', runId).executeTakeFirstOrThrow()).request_hash;
    expect(await hashOf(withId.run.run_id)).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashOf(withoutId.run.run_id)).toBeNull();
    await expect(api.db.updateTable('runs').set({ request_hash: null }).where('id', '=', withId.run.run_id).execute()).rejects.toThrow(/runs_public_id_hashed/);
  });

  it('when the repeated body differs only in key order and whitespace, then it is the same request', async () => {
    const publicId = `order-${randomUUID()}`;
    const first = await createRun(api, key, { public_id: publicId, kind: 'eval', owner: project, request: { target: 'e', config: { x: 1, y: [1, 2] } } });
    const text = `{ "request": { "config": { "y": [1, 2], "x": 1 }, "target": "e" },\n  "owner": { "id": "${projectId}", "kind": "project" }, "kind": "eval", "public_id": "${publicId}" }`;
    const again = await postRun(api, key, text);
    expectCreateRunResponse(again);
    expect(again.body.duplicate).toBe(true);
    expect(again.body.run.run_id).toBe(first.run.run_id);
  });

  it('when a public_id is repeated with a different body, then 409 and the stored run is unchanged', async () => {
    const body = { kind: 'task', owner: project, public_id: `diff-${randomUUID()}`, request: { target: 't', timeout_seconds: 5 } };
    const first = await createRun(api, key, body);
    const conflict = await postRun(api, key, { ...body, request: { target: 't', timeout_seconds: 6 } });
    expectProblem(conflict, 409, 'idempotency_conflict');
    const otherKind = await postRun(api, key, { ...body, kind: 'eval', request: { target: 't' } });
    expectProblem(otherKind, 409, 'idempotency_conflict');
    const read = await requestJson(api.url, 'GET', `/runs/${first.run.run_id}`, { key });
    expect(read.body).toEqual(first.run);
    expect(await runsWithPublicId(body.public_id)).toBe(1);
  });

  it('when the same public_id is used by a different owner, then a separate run is created', async () => {
    const publicId = `owner-${randomUUID()}`;
    const a = await createRun(api, key, { kind: 'task', owner: project, public_id: publicId, request: { target: 't' } });
    const b = await createRun(api, key, { kind: 'task', owner: { kind: 'project', id: otherProjectId }, public_id: publicId, request: { target: 't' } });
    const conversation = (
      await createRun(api, key, { kind: 'agent', owner: project, conversation_mode: 'create_new', request: { mode: 'agent', input: { agent_id: 'a' } } })
    ).conversation_id as string;
    const c = await createRun(api, key, {
      kind: 'agent',
      owner: { kind: 'conversation', id: conversation },
      public_id: publicId,
      request: { mode: 'agent', input: { agent_id: 'a' } },
    });
    expect([a.duplicate, b.duplicate, c.duplicate]).toEqual([false, false, false]);
    expect(new Set([a.run.run_id, b.run.run_id, c.run.run_id]).size).toBe(3);
    expect(await runsWithPublicId(publicId)).toBe(3);
  });

  it(`when ${CONCURRENT_REQUESTS} identical requests arrive at once, then exactly one run is created and every answer names it`, async () => {
    const body = { kind: 'workflow', owner: project, public_id: `race-${randomUUID()}`, request: { workflow_id: 'w', target: 'main', input: { n: 1 } } };
    const responses = await postConcurrently(body);
    for (const response of responses) expectCreateRunResponse(response);
    const ids = new Set(responses.map((r) => r.body.run.run_id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(await runsWithPublicId(body.public_id)).toBe(1);
    const [runId] = [...ids] as [string];
    expect(await countRows(api, 'run_events', { column: 'run_id', value: runId })).toBe(1);
    const job = await queues.queue('workflow').getJob(runId);
    expect(job?.data).toEqual({ runId });
  });

  it(`when ${CONCURRENT_REQUESTS} identical create_new agent requests arrive at once, then one run, one conversation and one message exist`, async () => {
    const conversationsBefore = await countRows(api, 'conversations');
    const body = {
      kind: 'agent',
      owner: project,
      public_id: `race-conv-${randomUUID()}`,
      conversation_mode: 'create_new',
      request: { mode: 'agent', agent_id: 'chat', input: { messages: [], context: { project_id: null, branch_id: null } } },
    };
    const responses = await postConcurrently(body);
    for (const response of responses) expectCreateRunResponse(response);
    expect(new Set(responses.map((r) => r.body.run.run_id)).size).toBe(1);
    expect(new Set(responses.map((r) => r.body.conversation_id)).size).toBe(1);
    expect(new Set(responses.map((r) => r.body.message_id)).size).toBe(1);
    expect(await runsWithPublicId(body.public_id)).toBe(1);
    const runId = responses[0]?.body.run.run_id as string;
    expect(await countRows(api, 'conversations')).toBe(conversationsBefore + 1);
    expect(await countRows(api, 'messages', { column: 'run_id', value: runId })).toBe(1);
    expect(await countRows(api, 'messages', { column: 'conversation_id', value: responses[0]?.body.conversation_id })).toBe(1);
  });

  it(`when ${CONCURRENT_REQUESTS} identical create_new requests name the same new conversation at once, then one run and one conversation exist`, async () => {
    const conversationId = randomUUID();
    const body = {
      kind: 'agent',
      owner: project,
      public_id: `race-named-${randomUUID()}`,
      conversation_mode: 'create_new',
      conversation_id: conversationId,
      request: { mode: 'agent', agent_id: 'chat', implementation_kind: 'k' },
    };
    const responses = await postConcurrently(body);
    for (const response of responses) expectCreateRunResponse(response);
    expect(new Set(responses.map((r) => r.body.run.run_id)).size).toBe(1);
    expect(responses.every((r) => r.body.conversation_id === conversationId)).toBe(true);
    expect(await runsWithPublicId(body.public_id)).toBe(1);
    expect(await countRows(api, 'conversations', { column: 'id', value: conversationId })).toBe(1);
    expect(await countRows(api, 'messages', { column: 'conversation_id', value: conversationId })).toBe(1);
  });

  it('when create_new requests without public_id name the same new conversation at once, then each run is created in that one conversation', async () => {
    const conversationId = randomUUID();
    const body = {
      kind: 'agent',
      owner: project,
      conversation_mode: 'create_new',
      conversation_id: conversationId,
      request: { mode: 'agent', agent_id: 'chat', implementation_kind: 'k' },
    };
    const responses = await postConcurrently(body, 10);
    for (const response of responses) expectCreateRunResponse(response);
    expect(new Set(responses.map((r) => r.body.run.run_id)).size).toBe(10);
    expect(await countRows(api, 'conversations', { column: 'id', value: conversationId })).toBe(1);
    expect(await countRows(api, 'messages', { column: 'conversation_id', value: conversationId })).toBe(10);
  });

  it('when a duplicate is answered for a pending run, then the run is on its queue exactly once under its id', async () => {
    const body = { kind: 'task', owner: project, public_id: `queue-${randomUUID()}`, request: { target: 'q' } };
    const first = await createRun(api, key, body);
    await createRun(api, key, body);
    const runId = first.run.run_id as string;
    const waiting = await queues.queue('task').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(waiting.filter((job) => job.data.runId === runId).map((job) => job.id)).toEqual([runId]);
  });

  it('when every request of this file has been logged, then no API key or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, [key]);
  });
});
