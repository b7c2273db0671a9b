import { randomUUID } from 'node:crypto';
import { runIdTime } from '@runq/runs';
import { requestJson, startTestApi, type TestApi } from '../support/harness.js';
import { expectNoSecretsInLogs } from '../support/log-secrets.js';
import { createRun, expectFieldError } from '../support/run-api.js';

describe('GET /runs', () => {
  let api: TestApi;
  let key: string;
  const projectId = randomUUID();
  const otherProjectId = randomUUID();
  const owner = { kind: 'project', id: projectId };
  const batchX = randomUUID();
  const batchY = randomUUID();
  /** Every run of the project, in creation order, as last seen. */
  const runs: any[] = [];
  let conversationId: string;
  let root: any;
  let child: any;
  let foreignRunId: string;

  const add = async (body: unknown) => {
    const created = await createRun(api, key, body);
    runs.push(created.run);
    return created;
  };

  beforeAll(async () => {
    api = await startTestApi();
    key = await api.createKey([projectId]);
    const otherKey = await api.createKey([otherProjectId]);
    foreignRunId = (
      await createRun(api, otherKey, { kind: 'task', owner: { kind: 'project', id: otherProjectId }, request: { target: 'x', batch_id: batchX } })
    ).run.run_id;

    for (let i = 0; i < 3; i += 1) await add({ kind: 'task', owner, request: { target: `x${i}`, batch_id: batchX.toUpperCase() } });
    for (let i = 0; i < 2; i += 1) await add({ kind: 'task', owner, request: { target: `y${i}`, batch_id: batchY } });
    conversationId = (await add({ kind: 'agent', owner, conversation_mode: 'create_new', request: { mode: 'agent', input: { agent_id: 'c' } } }))
      .conversation_id;
    for (let i = 0; i < 2; i += 1)
      await add({ kind: 'agent', owner: { kind: 'conversation', id: conversationId }, request: { mode: 'agent', input: { agent_id: `c${i}` } } });
    await add({ kind: 'agent', owner, request: { mode: 'agent', agent_id: 'self', implementation_kind: 'k', initial_status: 'running' } });
    root = (await add({ kind: 'task', owner, request: { target: 'root' } })).run;
    child = (await add({ kind: 'eval', owner, parent_run_id: root.run_id, request: { target: 'c1' } })).run;
    await add({ kind: 'workflow', owner, parent_run_id: root.run_id, request: { workflow_id: 'w', target: 'c2' } });
    await add({ kind: 'task', owner, parent_run_id: child.run_id, request: { target: 'g' } });
    for (let i = 0; i < 45; i += 1) {
      const kind = (['task', 'workflow', 'eval'] as const)[i % 3];
      await add(kind === 'workflow' ? { kind, owner, request: { workflow_id: `w${i}`, target: 't' } } : { kind, owner, request: { target: `f${i}` } });
    }
    const cancelled = await requestJson(api.url, 'POST', `/runs/${runs[1].run_id}/cancel`, { key });
    expect(cancelled.status).toBe(200);
    runs[1] = cancelled.body;
  });
  afterAll(async () => {
    await api?.close();
  });

  const list = (query: string) => requestJson(api.url, 'GET', `/runs${query}`, { key });
  /** Ids of the project's runs matching `predicate`, newest first. */
  const expected = (predicate: (run: any) => boolean) =>
    runs
      .filter(predicate)
      .map((r) => r.run_id)
      .reverse();

  /** Follows next_cursor from `query` to the end; returns every id in order and the number of pages. */
  async function listAll(query: string): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = query ? '&' : '?';
      const response = await list(cursor ? `${query}${separator}cursor=${encodeURIComponent(cursor)}` : query);
      expect(response.status).toBe(200);
      ids.push(...response.body.data.map((r: any) => r.run_id));
      cursor = response.body.next_cursor;
      pages += 1;
      expect(pages).toBeLessThan(100);
    } while (cursor !== null);
    return { ids, pages };
  }

  it("when no filter is given, then the 50 newest runs of the caller's projects come first, newest first, as envelopes", async () => {
    expect(runs.length).toBeGreaterThan(50);
    const response = await list('');
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(50);
    expect(response.body.data.map((r: any) => r.run_id)).toEqual(expected(() => true).slice(0, 50));
    expect(typeof response.body.next_cursor).toBe('string');
    const newest = runs.at(-1);
    expect(response.body.data[0]).toEqual((await requestJson(api.url, 'GET', `/runs/${newest.run_id}`, { key })).body);
    expect(response.body.data.map((r: any) => r.run_id)).not.toContain(foreignRunId);
  });

  it.each([
    ['owner_kind=project', (r: any) => r.owner.kind === 'project'],
    ['owner_kind=conversation', (r: any) => r.owner.kind === 'conversation'],
    ['kind=task', (r: any) => r.kind === 'task'],
    ['kind=agent', (r: any) => r.kind === 'agent'],
    ['status=running', (r: any) => r.status === 'running'],
    ['status=cancelled', (r: any) => r.status === 'cancelled'],
    ['status=waiting', () => false],
    ['kind=task&status=pending', (r: any) => r.kind === 'task' && r.status === 'pending'],
  ])('when filtered by %s, then exactly the matching runs are listed', async (query, predicate) => {
    const response = await list(`?${query}&limit=100`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((r: any) => r.run_id)).toEqual(expected(predicate));
    expect(response.body.next_cursor).toBeNull();
  });

  it('when filtered by owner_id, batch_id, parent_run_id or root_run_id, then exactly the matching runs are listed', async () => {
    const cases: [string, (r: any) => boolean][] = [
      [`owner_id=${conversationId.toUpperCase()}`, (r) => r.owner.id === conversationId],
      [`owner_kind=project&owner_id=${projectId}`, (r) => r.owner.id === projectId],
      [`batch_id=${batchX}`, (r) => r.batch_id === batchX],
      [`batch_id=${batchY.toUpperCase()}`, (r) => r.batch_id === batchY],
      [`parent_run_id=${root.run_id}`, (r) => r.parent_run_id === root.run_id],
      [`parent_run_id=${child.run_id}`, (r) => r.parent_run_id === child.run_id],
      [`root_run_id=${root.run_id}`, (r) => r.root_run_id === root.run_id],
      [`root_run_id=${foreignRunId}`, () => false],
    ];
    for (const [query, predicate] of cases) {
      const response = await list(`?${query}&limit=100`);
      expect({ query, ids: response.body.data.map((r: any) => r.run_id) }).toEqual({ query, ids: expected(predicate) });
    }
    expect(expected((r) => r.root_run_id === root.run_id)).toHaveLength(4);
    expect(expected((r) => r.batch_id === batchX)).toHaveLength(3);
  });

  it('when filtered by created_after and created_before, then the bounds are exclusive and combine', async () => {
    const after = runs[10].created_at as string;
    const before = runs[40].created_at as string;
    const t = (r: any) => Date.parse(r.created_at);
    const cases: [string, (r: any) => boolean][] = [
      [`created_after=${after}`, (r) => t(r) > Date.parse(after)],
      [`created_before=${before}`, (r) => t(r) < Date.parse(before)],
      [`created_after=${after}&created_before=${before}`, (r) => t(r) > Date.parse(after) && t(r) < Date.parse(before)],
      [`created_after=${encodeURIComponent(new Date(Date.parse(after)).toISOString().replace('Z', '+00:00'))}`, (r) => t(r) > Date.parse(after)],
      ['created_after=2000-01-01T00:00:00Z&created_before=2000-01-02T00:00:00Z', () => false],
    ];
    for (const [query, predicate] of cases) {
      const { ids } = await listAll(`?${query}&limit=100`);
      expect({ query, ids }).toEqual({ query, ids: expected(predicate) });
    }
  });

  it("when runs are created, then each one's created_at is the time its id carries (a creation window is an id range)", () => {
    for (const run of runs) expect(Date.parse(run.created_at)).toBe(runIdTime(run.run_id));
  });

  it('when following next_cursor with a small limit, then every run appears once, in order, with no gaps', async () => {
    const { ids, pages } = await listAll('?limit=7');
    expect(ids).toEqual(expected(() => true));
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(runs.length / 7));
  });

  it('when following next_cursor with a filter, then the filter holds on every page', async () => {
    const { ids } = await listAll('?kind=task&limit=4');
    expect(ids).toEqual(expected((r) => r.kind === 'task'));
  });

  it('when the last page is exactly full, then next_cursor is null; one fewer leaves a cursor to a last page of one', async () => {
    const all = await list(`?limit=${Math.min(runs.length, 100)}`);
    expect(all.body.data).toHaveLength(runs.length);
    expect(all.body.next_cursor).toBeNull();
    const first = await list(`?limit=${runs.length - 1}`);
    expect(first.body.next_cursor).not.toBeNull();
    const last = await list(`?limit=${runs.length - 1}&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(last.body.data.map((r: any) => r.run_id)).toEqual([runs[0].run_id]);
    expect(last.body.next_cursor).toBeNull();
  });

  it.each(['1', '100'])('when limit is %s, then at most that many runs are listed', async (limit) => {
    const response = await list(`?limit=${limit}`);
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(Math.min(Number(limit), runs.length));
  });

  it.each([
    ['limit=0', '/query/limit'],
    ['limit=101', '/query/limit'],
    ['limit=-1', '/query/limit'],
    ['limit=1.5', '/query/limit'],
    ['limit=ten', '/query/limit'],
    ['limit=', '/query/limit'],
    ['kind=job', '/query/kind'],
    ['status=done', '/query/status'],
    ['owner_kind=user', '/query/owner_kind'],
    ['owner_id=not-a-uuid', '/query/owner_id'],
    ['batch_id=123', '/query/batch_id'],
    ['parent_run_id=', '/query/parent_run_id'],
    [`root_run_id=${'r'.repeat(129)}`, '/query/root_run_id'],
    ['error_code=', '/query/error_code'],
    [`error_code=${'e'.repeat(129)}`, '/query/error_code'],
    ['error_code=%00', '/query/error_code'],
    ['created_after=yesterday', '/query/created_after'],
    ['created_before=2026-13-01T00:00:00Z', '/query/created_before'],
    ['created_after=2026-02-30T00:00:00Z', '/query/created_after'],
    ['created_after=2026-01-01', '/query/created_after'],
    ['cursor=garbage', '/query/cursor'],
    ['kind=task&kind=eval', '/query/kind'],
    ['sort=asc', '/query/sort'],
    ['Kind=task', '/query/Kind'],
  ])('when the query is %s, then 400 with an error at %s', async (query, path) => {
    expectFieldError(await list(`?${query}`), path);
  });

  it('when several parameters are wrong, then every one is reported at once', async () => {
    const response = await list('?limit=0&kind=job&colour=red');
    expectFieldError(response, '/query/limit');
    expectFieldError(response, '/query/kind');
    expectFieldError(response, '/query/colour');
  });

  it('when every request of this file has been logged, then no API key or Authorization value is in the logs', () => {
    expectNoSecretsInLogs(api.logs, [key]);
  });
});
