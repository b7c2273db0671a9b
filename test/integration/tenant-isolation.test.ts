import { randomUUID } from 'node:crypto';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { createRun, expectProblem, postRun, type JsonResponse } from '../support/run-api.js';

/** A run id that has never existed. */
const missingRunId = () => `run_${randomUUID().replaceAll('-', '').slice(0, 26).toUpperCase()}`;

/**
 * Asserts that `response` (about the hidden resource `hiddenId`) and `reference` (about the
 * missing `missingId`) are indistinguishable: same status, problem type, title, code and keys,
 * and a detail that differs only by the id itself.
 */
function expectSameNotFound(response: JsonResponse, hiddenId: string, reference: JsonResponse, missingId: string): void {
  expectProblem(response, 404);
  expectProblem(reference, 404);
  const strip = (body: any, id: string) => ({
    ...body,
    detail: String(body.detail).replaceAll(id, '<id>'),
    instance: String(body.instance).replaceAll(id, '<id>'),
    request_id: '<request>',
  });
  expect(strip(response.body, hiddenId)).toEqual(strip(reference.body, missingId));
  expect(response.headers.get('content-type')).toBe(reference.headers.get('content-type'));
  expect(JSON.stringify(response.body)).not.toMatch(/forbidden|permission|another|belongs|tenant/i);
}

describe('tenant isolation', () => {
  let api: TestApi;
  let keyA: string;
  let keyB: string;
  let keyAB: string;
  const projectA = randomUUID();
  const projectB = randomUUID();
  const ownerA = { kind: 'project', id: projectA };
  let pendingA: any;
  let waitingA: any;
  let runningA: any;
  let conversationA: string;
  let conversationRunA: any;
  let completedA: any;
  let childA: any;
  const batchA = randomUUID();

  beforeAll(async () => {
    api = await startTestApi();
    [keyA, keyB, keyAB] = await Promise.all([api.createKey([projectA]), api.createKey([projectB]), api.createKey([projectA, projectB])]);
    pendingA = (await createRun(api, keyA, { kind: 'task', owner: ownerA, request: { target: 'a' } })).run;
    const agent = (initial: string) => ({
      kind: 'agent',
      owner: ownerA,
      request: { mode: 'agent', agent_id: 'a', implementation_kind: 'k', initial_status: initial },
    });
    runningA = (await createRun(api, keyA, agent('running'))).run;
    waitingA = (await createRun(api, keyA, agent('running'))).run;
    const waited = await requestJson(api.url, 'POST', `/runs/${waitingA.run_id}/wait`, { key: keyA, body: { reason: 'input' } });
    expect(waited.body.status).toBe('waiting');
    const created = await createRun(api, keyA, {
      kind: 'agent',
      owner: ownerA,
      conversation_mode: 'create_new',
      request: { mode: 'agent', input: { agent_id: 'c' } },
    });
    conversationA = created.conversation_id;
    conversationRunA = (
      await createRun(api, keyA, { kind: 'agent', owner: { kind: 'conversation', id: conversationA }, request: { mode: 'agent', input: { agent_id: 'c' } } })
    ).run;
    completedA = (await createRun(api, keyA, agent('running'))).run;
    const completed = await requestJson(api.url, 'POST', `/runs/${completedA.run_id}/complete`, { key: keyA, body: { output: { ok: true } } });
    expect(completed.body.status).toBe('completed');
    childA = (await createRun(api, keyA, { kind: 'task', owner: ownerA, parent_run_id: pendingA.run_id, request: { target: 'child', batch_id: batchA } })).run;
  });
  afterAll(async () => {
    await api?.close();
  });

  /** Events of A's runs once set up: B's requests must add none. */
  let eventCountA = -1;
  beforeAll(async () => {
    const ids = [pendingA.run_id, runningA.run_id, waitingA.run_id, completedA.run_id, childA.run_id, conversationRunA.run_id];
    eventCountA = (await api.db.selectFrom('run_events').select('run_id').where('run_id', 'in', ids).execute()).length;
  });

  const as = (key: string, method: string, path: string, body?: unknown) =>
    requestJson(api.url, method, path, { key, ...(body !== undefined ? { body } : {}) });

  it('when project B reads a run of project A, then the 404 is the same as for a run that does not exist', async () => {
    for (const run of [pendingA, conversationRunA]) {
      const missing = missingRunId();
      expectSameNotFound(await as(keyB, 'GET', `/runs/${run.run_id}`), run.run_id, await as(keyB, 'GET', `/runs/${missing}`), missing);
      const events = await as(keyB, 'GET', `/runs/${run.run_id}/events`);
      expectSameNotFound(events, run.run_id, await as(keyB, 'GET', `/runs/${missing}/events`), missing);
    }
    expect((await as(keyA, 'GET', `/runs/${conversationRunA.run_id}`)).status).toBe(200);
  });

  it('when project B opens the live event stream of a run of project A, then the 404 is the same as for a run that does not exist', async () => {
    const stream = (runId: string) => requestJson(api.url, 'GET', `/runs/${runId}/events`, { key: keyB, headers: { accept: 'text/event-stream' } });
    for (const run of [pendingA, runningA, conversationRunA]) {
      const missing = missingRunId();
      expectSameNotFound(await stream(run.run_id), run.run_id, await stream(missing), missing);
    }
    // The same request with project A's key streams (and the run is terminal, so the stream ends).
    const own = await requestJson(api.url, 'GET', `/runs/${completedA.run_id}/events`, { key: keyA, headers: { accept: 'text/event-stream' } });
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(String(own.body)).toContain('"to_status":"completed"');
  });

  it('when project B reads any run of project A, in any state, then the answer does not depend on the state', async () => {
    for (const run of [pendingA, runningA, waitingA, completedA, childA, conversationRunA]) {
      const missing = missingRunId();
      expectSameNotFound(await as(keyB, 'GET', `/runs/${run.run_id}`), run.run_id, await as(keyB, 'GET', `/runs/${missing}`), missing);
    }
    expect((await as(keyA, 'GET', `/runs/${conversationRunA.run_id}`)).status).toBe(200);
  });

  it('when project B lists runs, then no run of project A appears, whatever the filters', async () => {
    const ownB = (await createRun(api, keyB, { kind: 'task', owner: { kind: 'project', id: projectB }, request: { target: 'b' } })).run;
    const queries = [
      '',
      `?owner_kind=project&owner_id=${projectA}`,
      `?owner_kind=conversation&owner_id=${conversationA}`,
      `?root_run_id=${pendingA.run_id}`,
      `?parent_run_id=${pendingA.run_id}`,
      `?batch_id=${batchA}`,
      `?owner_kind=project&owner_id=${projectA}&kind=task&status=pending&batch_id=${batchA}`,
      `?created_after=2000-01-01T00:00:00Z&created_before=2999-01-01T00:00:00Z`,
      `?kind=agent`,
      `?status=waiting`,
      `?limit=100`,
    ];
    for (const query of queries) {
      const listed = await as(keyB, 'GET', `/runs${query}`);
      expect(listed.status).toBe(200);
      for (const run of listed.body.data) expect(run.owner.id === projectA || run.owner.id === conversationA).toBe(false);
      if (query === '') expect(listed.body.data.map((r: any) => r.run_id)).toEqual([ownB.run_id]);
    }
    const both = await as(keyAB, 'GET', '/runs?limit=100');
    expect(both.body.data.map((r: any) => r.run_id)).toEqual(expect.arrayContaining([pendingA.run_id, conversationRunA.run_id, ownB.run_id]));
    // The filters that name A's runs do find them for a key that sees A: the queries above were not empty by accident.
    for (const query of [`?parent_run_id=${pendingA.run_id}`, `?batch_id=${batchA}`, `?root_run_id=${pendingA.run_id}`]) {
      expect((await as(keyA, 'GET', `/runs${query}`)).body.data.map((r: any) => r.run_id)).toContain(childA.run_id);
    }
  });

  it('when project B cancels a run of project A, then 404 like a missing run and the run is untouched', async () => {
    const missing = missingRunId();
    expectSameNotFound(await as(keyB, 'POST', `/runs/${pendingA.run_id}/cancel`), pendingA.run_id, await as(keyB, 'POST', `/runs/${missing}/cancel`), missing);
    expect((await as(keyA, 'GET', `/runs/${pendingA.run_id}`)).body).toEqual(pendingA);
  });

  it('when project B resumes a waiting run of project A, then 404 like a missing run and the run still waits', async () => {
    const missing = missingRunId();
    const body = { data: { approved: true } };
    expectSameNotFound(
      await as(keyB, 'POST', `/runs/${waitingA.run_id}/resume`, body),
      waitingA.run_id,
      await as(keyB, 'POST', `/runs/${missing}/resume`, body),
      missing,
    );
    expect((await as(keyA, 'GET', `/runs/${waitingA.run_id}`)).body.status).toBe('waiting');
  });

  it.each([
    ['complete', { output: { forged: true } }],
    ['fail', { error: { message: 'forged' } }],
    ['wait', { reason: 'tool' }],
  ])('when project B reports %s for a caller-executed run of project A, then 404 like a missing run and the run still runs', async (action, body) => {
    const missing = missingRunId();
    expectSameNotFound(
      await as(keyB, 'POST', `/runs/${runningA.run_id}/${action}`, body),
      runningA.run_id,
      await as(keyB, 'POST', `/runs/${missing}/${action}`, body),
      missing,
    );
    expect((await as(keyA, 'GET', `/runs/${runningA.run_id}`)).body.status).toBe('running');
  });

  it.each([
    ['cancel', undefined],
    ['resume', { data: { approved: true } }],
    ['complete', { output: { forged: true } }],
    ['fail', { error: { message: 'forged' } }],
    ['wait', { reason: 'tool' }],
  ])(
    'when project B sends %s to runs of project A in every state, then each answer is the 404 of a missing run (never a 409 that would reveal the state) and nothing changes',
    async (action, body) => {
      for (const run of [pendingA, runningA, waitingA, completedA, childA, conversationRunA]) {
        const before = (await as(keyA, 'GET', `/runs/${run.run_id}`)).body;
        const missing = missingRunId();
        expectSameNotFound(
          await as(keyB, 'POST', `/runs/${run.run_id}/${action}`, body),
          run.run_id,
          await as(keyB, 'POST', `/runs/${missing}/${action}`, body),
          missing,
        );
        expect((await as(keyA, 'GET', `/runs/${run.run_id}`)).body).toEqual(before);
      }
      const events = await api.db
        .selectFrom('run_events')
        .select('run_id')
        .where('run_id', 'in', [pendingA.run_id, runningA.run_id, waitingA.run_id, completedA.run_id, childA.run_id, conversationRunA.run_id])
        .execute();
      expect(events.length).toBe(eventCountA);
    },
  );

  it('when project B names a run of project A as parent, then 404 like a missing parent and nothing is created', async () => {
    const before = (await api.db.selectFrom('runs').select('id').execute()).length;
    const body = (parent: string) => ({ kind: 'task', owner: { kind: 'project', id: projectB }, parent_run_id: parent, request: { target: 'child' } });
    for (const parent of [pendingA, runningA, completedA, childA, conversationRunA]) {
      const missing = missingRunId();
      expectSameNotFound(await postRun(api, keyB, body(parent.run_id)), parent.run_id, await postRun(api, keyB, body(missing)), missing);
    }
    expect((await api.db.selectFrom('runs').select('id').execute()).length).toBe(before);
  });

  it('when project B creates a run owned by project A or by its conversation, then 404 like an unknown owner', async () => {
    const unknownProject = randomUUID();
    expectSameNotFound(
      await postRun(api, keyB, { kind: 'task', owner: ownerA, request: { target: 't' } }),
      projectA,
      await postRun(api, keyB, { kind: 'task', owner: { kind: 'project', id: unknownProject }, request: { target: 't' } }),
      unknownProject,
    );
    const unknownConversation = randomUUID();
    const agent = (id: string) => ({ kind: 'agent', owner: { kind: 'conversation', id }, request: { mode: 'agent', input: { agent_id: 'x' } } });
    expectSameNotFound(
      await postRun(api, keyB, agent(conversationA)),
      conversationA,
      await postRun(api, keyB, agent(unknownConversation)),
      unknownConversation,
    );
  });

  it('when project B adds a message to a conversation of project A, then 404 like an unknown conversation and no message is written', async () => {
    const messages = (await api.db.selectFrom('messages').select('id').where('conversation_id', '=', conversationA).execute()).length;
    const unknown = randomUUID();
    const body = (id: string) => ({
      kind: 'agent',
      owner: { kind: 'project', id: projectB },
      conversation_mode: 'existing',
      conversation_id: id,
      request: { mode: 'agent', input: { agent_id: 'x' } },
    });
    expectSameNotFound(await postRun(api, keyB, body(conversationA)), conversationA, await postRun(api, keyB, body(unknown)), unknown);
    expect((await api.db.selectFrom('messages').select('id').where('conversation_id', '=', conversationA).execute()).length).toBe(messages);
  });

  it("when project B reuses the public_id of a run of project A, then B gets a new run of its own, not A's run nor a conflict", async () => {
    const publicId = `shared-${randomUUID()}`;
    const a = await createRun(api, keyA, { kind: 'task', owner: ownerA, public_id: publicId, request: { target: 'a' } });
    const b = await postRun(api, keyB, { kind: 'task', owner: { kind: 'project', id: projectB }, public_id: publicId, request: { target: 'different' } });
    expect(b.status).toBe(202);
    expect(b.body.duplicate).toBe(false);
    expect(b.body.run.run_id).not.toBe(a.run.run_id);
    expect(b.body.run.owner).toEqual({ kind: 'project', id: projectB });
  });

  it('when a key of both projects acts on a run of project A, then it succeeds', async () => {
    expect((await as(keyAB, 'GET', `/runs/${pendingA.run_id}`)).status).toBe(200);
    const resumed = await as(keyAB, 'POST', `/runs/${waitingA.run_id}/resume`, { data: 1 });
    expect(resumed.status).toBe(200);
    // A caller-executed run goes back to running on resume (the caller reports next).
    expect(resumed.body.status).not.toBe('waiting');
    const cancelled = await as(keyAB, 'POST', `/runs/${pendingA.run_id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it('when every request of this file has been logged, then no API key or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, [keyA, keyB, keyAB]);
  });
});
