import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HandlerModule } from '@runq/worker';
import { peakRunning } from '../support/event-log.js';
import { QUEUE_BACKENDS, requestJson, waitForRunAt } from '../support/harness.js';
import { useLifecycleContext } from '../support/lifecycle-context.js';

/** Runs of the busy project, created before the quiet project's one. */
const BACKLOG = 30;

describe.each(QUEUE_BACKENDS)('fair share between projects on %s', (backend) => {
  const handlers: HandlerModule = {
    task: {
      slow: async () => {
        await sleep(150);
        return { output: 'done' };
      },
    },
  };
  // One worker with two task slots: each project's share of the task queue is two ready runs.
  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: '2' } });

  it("when one project has a backlog, then another project's new run starts after at most a share of it, and the backlog still uses every slot", async () => {
    const busy: string[] = [];
    for (let i = 0; i < BACKLOG; i += 1) busy.push((await suite.client.task('slow')).run_id);
    const quietProject = randomUUID();
    const quietKey = await suite.api.createKey([quietProject]);
    const quiet = await requestJson(suite.api.url, 'POST', '/runs', {
      key: quietKey,
      body: { kind: 'task', owner: { kind: 'project', id: quietProject }, request: { target: 'slow' } },
    });
    expect(quiet.status).toBe(202);
    const quietRun = await waitForRunAt(suite.api.url, quietKey, quiet.body.run.run_id, (run) => run.status === 'completed', 30_000);
    for (const id of busy) await suite.client.waitForStatus(id, 'completed', 30_000);

    // Between the quiet run's creation and its start, only the busy runs in the queue's main lane
    // when it came started (a share: two); without fair share it would wait behind the whole rest
    // of the backlog.
    const window = { from: new Date(quietRun.created_at).getTime(), to: new Date(quietRun.started_at).getTime() };
    const busyStarts = await Promise.all(busy.map(async (id) => new Date((await suite.client.get(id)).started_at).getTime()));
    expect(busyStarts.filter((at) => at > window.to).length).toBeGreaterThan(BACKLOG / 3);
    expect(busyStarts.filter((at) => at >= window.from && at <= window.to).length).toBeLessThanOrEqual(3);
    expect(await peakRunning(suite.api.db, busy)).toBe(2);
  });
});
