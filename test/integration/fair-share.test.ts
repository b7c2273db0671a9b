import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HandlerModule } from '@runq/worker';
import { deferred, type Deferred } from '../support/deferred.js';
import { peakRunning } from '../support/event-log.js';
import { QUEUE_BACKENDS, requestJson, waitForRunAt } from '../support/harness.js';
import { useLifecycleContext, type LifecycleContext } from '../support/lifecycle-context.js';

/** Runs of the busy project, created before the quiet project's one. */
const BACKLOG = 30;

/**
 * Creates one run of a new project (the quiet one) after the `busy` runs, calls `created`, waits
 * until it and all of them completed, and counts the busy runs that started while the quiet run
 * waited (from its creation to its start) and after it started.
 */
async function quietRunBeside(
  suite: LifecycleContext,
  busy: readonly string[],
  created: () => void,
  timeoutMs: number,
): Promise<{ during: number; after: number }> {
  const quietProject = randomUUID();
  const quietKey = await suite.api.createKey([quietProject]);
  const quiet = await requestJson(suite.api.url, 'POST', '/runs', {
    key: quietKey,
    body: { kind: 'task', owner: { kind: 'project', id: quietProject }, request: { target: 'slow' } },
  });
  expect(quiet.status).toBe(202);
  created();
  const quietRun = await waitForRunAt(suite.api.url, quietKey, quiet.body.run.run_id, (run) => run.status === 'completed', timeoutMs);
  for (const id of busy) await suite.client.waitForStatus(id, 'completed', timeoutMs);
  const from = new Date(quietRun.created_at).getTime();
  const to = new Date(quietRun.started_at).getTime();
  const busyStarts = await Promise.all(busy.map(async (id) => new Date((await suite.client.get(id)).started_at).getTime()));
  return { during: busyStarts.filter((at) => at >= from && at <= to).length, after: busyStarts.filter((at) => at > to).length };
}

/** Task handlers whose `slow` runs wait until `opened`, then hold their slot for `ms`. */
function gatedSlowTasks(opened: Deferred, ms: number): HandlerModule {
  return {
    task: {
      slow: async () => {
        await opened.promise;
        await sleep(ms);
        return { output: 'done' };
      },
    },
  };
}

describe.each(QUEUE_BACKENDS)('fair share between projects on %s', (backend) => {
  // Runs hold their slot until the quiet run exists, so the whole backlog is still queued then.
  const opened = deferred();
  const handlers = gatedSlowTasks(opened, 150);
  // One worker with two task slots: each project's share of the task queue is two ready runs.
  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: '2' }, afterEach: () => opened.resolve() });

  it("when one project has a backlog, then another project's new run starts after at most a share of it, and the backlog still uses every slot", async () => {
    const busy: string[] = [];
    for (let i = 0; i < BACKLOG; i += 1) busy.push((await suite.client.task('slow')).run_id);
    const starts = await quietRunBeside(suite, busy, () => opened.resolve(), 30_000);

    // Between the quiet run's creation and its start, only the busy runs in the queue's main lane
    // when it came started (a share: two); without fair share it would wait behind the whole rest
    // of the backlog.
    expect(starts.after).toBeGreaterThan(BACKLOG / 2);
    expect(starts.during).toBeLessThanOrEqual(3);
    expect(await peakRunning(suite.api.db, busy)).toBe(2);
  });
});

/** Slots of the worker in the concurrent scenario: each project's share of the task queue. */
const SHARE = 20;
/** Runs of the busy project in the concurrent scenario, created by `CREATORS` clients at once. */
const CONCURRENT_BACKLOG = 1_000;
const CREATORS = 16;

describe.each(QUEUE_BACKENDS)('fair share between projects created at once on %s', (backend) => {
  // Runs hold their slot until the quiet run exists, so the whole backlog is still queued then.
  const opened = deferred();
  const handlers = gatedSlowTasks(opened, 100);
  const suite = useLifecycleContext(backend, handlers, { worker: { concurrency: String(SHARE) }, afterEach: () => opened.resolve() });

  it("when many clients create one project's backlog at once, then another project's new run still waits behind at most a few shares of it", async () => {
    const busy: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATORS }, async () => {
        while (next < CONCURRENT_BACKLOG) {
          next += 1;
          busy.push((await suite.client.task('slow')).run_id);
        }
      }),
    );
    const starts = await quietRunBeside(suite, busy, () => opened.resolve(), 60_000);

    // Every run of the busy project is placed by this process's estimate of its ready runs, which
    // many requests update at once. Placed right, the backlog is in the backlog lane and the quiet
    // run waits for the slots in use and at most a share or two of the main lane; placed wrong
    // (all in the main lane), it waits behind the whole rest of the backlog.
    expect(starts.after).toBeGreaterThan(CONCURRENT_BACKLOG / 2);
    expect(starts.during).toBeLessThanOrEqual(3 * SHARE);
  }, 120_000);
});
