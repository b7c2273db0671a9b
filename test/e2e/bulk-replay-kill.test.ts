import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { useE2eContext } from '../support/e2e-context.js';
import { QUEUE_BACKENDS, requestJson } from '../support/harness.js';
import { pollUntil } from '../support/poll.js';

/** Originals to replay: four chunks of the executor's 500. */
const ORIGINALS = 2_000;
/** Fail requests in flight at once while the originals are prepared. */
const FAIL_CONCURRENCY = 16;

describe.each(QUEUE_BACKENDS)('bulk replay with worker processes killed on %s', (backend) => {
  const e2e = useE2eContext(backend);

  /** `count` failed agent runs of the client's project (their caller executes them: no handler is involved). */
  async function failedRuns(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += 1_000) {
      const items = Array.from({ length: Math.min(1_000, count - start) }, () => ({
        kind: 'agent',
        owner: { kind: 'project', id: e2e.client.projectId },
        request: { mode: 'agent', agent_id: 'bulk', implementation_kind: 'k', initial_status: 'running' },
      }));
      const batch = await e2e.client.request('POST', '/batches', { items });
      expect(batch.status).toBe(202);
      ids.push(...batch.body.items.map((item: any) => item.run.run_id));
    }
    for (let at = 0; at < ids.length; at += FAIL_CONCURRENCY) {
      await Promise.all(
        ids.slice(at, at + FAIL_CONCURRENCY).map(async (runId) => {
          const failed = await e2e.client.request('POST', `/runs/${runId}/fail`, { error: { message: 'boom', code: 'E_BOOM' } });
          expect(failed.body.status).toBe('failed');
        }),
      );
    }
    return ids;
  }

  it('when every worker process is killed in the middle of a bulk replay, then a new worker finishes it and each original is replayed exactly once', async () => {
    const since = new Date(Date.now() - 1);
    const originals = await failedRuns(ORIGINALS);
    const filter = { created_after: since.toISOString(), created_before: new Date(Date.now() + 1_000).toISOString(), status: 'failed' };
    const workers = await e2e.startWorkers(2);
    const created = await e2e.client.request('POST', '/bulk-actions', { action: 'replay', filter });
    expect(created.body).toMatchObject({ matched: ORIGINALS, status: 'queued' });
    const actionPath = `/bulk-actions/${created.body.id}`;

    // Once the first chunk is saved the next is being worked on: kill every worker then.
    const started = await pollUntil(
      async () => (await e2e.client.request('GET', actionPath)).body,
      (body) => body.processed > 0,
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    expect(started.value.status).toBe('running');
    for (const worker of workers.values()) worker.signal('SIGKILL');
    await Promise.all([...workers.values()].map((worker) => worker.exited));
    const atKill = (await e2e.client.request('GET', actionPath)).body;
    expect(atKill.processed).toBeLessThan(ORIGINALS);

    await e2e.startWorkers(1);
    const done = await pollUntil(
      async () => (await e2e.client.request('GET', actionPath)).body,
      (body) => body.status === 'completed',
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(done.value).toMatchObject({ status: 'completed', matched: ORIGINALS, processed: ORIGINALS, succeeded: ORIGINALS, failed: 0 });
    const rows = await e2e.api.db
      .selectFrom('runs')
      .select([sql<string>`metadata->>'replay_of'`.as('original'), (eb) => eb.fn.countAll<string>().as('count')])
      .where(sql<string>`metadata->>'replay_of'`, 'is not', null)
      .groupBy(sql`metadata->>'replay_of'`)
      .execute();
    const counts = new Map(rows.map((row) => [row.original, Number(row.count)]));
    expect(counts.size).toBe(ORIGINALS);
    expect(originals.filter((runId) => counts.get(runId) !== 1)).toEqual([]);
    const other = await requestJson(e2e.api.url, 'GET', actionPath, { key: await e2e.api.createKey([randomUUID()]) });
    expect(other.status).toBe(404);
  }, 300_000);
});
