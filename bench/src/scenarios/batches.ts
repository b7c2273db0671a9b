import { RowBuilder, fixed, type Lab } from '../lab.js';
import type { Section } from '../report/results.js';
import { summarize } from '../stats.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';
import { taskRequest } from '../systems/run-rows.js';

/** Items per batch: the most one `POST /batches` takes. */
const BATCH_ITEMS = 1_000;
/** Batches in flight at once while runs/s through batches is measured. */
const BATCH_LANES = 4;
/** Single `POST /runs` in flight at once: the ingest scenario's producers. */
const SINGLE_LANES = 64;

function batchOf(deployment: RunqDeployment, first: number): { items: unknown[] } {
  const now = Date.now();
  return { items: Array.from({ length: BATCH_ITEMS }, (_, index) => taskRequest(deployment.projectId, first + index, now)) };
}

/**
 * Batches: how long a 1,000-item `POST /batches` takes to be accepted (202), one at a time; and
 * runs created per second through 1,000-item batches versus single `POST /runs`, for the same
 * number of runs. No worker runs. Both rates are driven with `fetch` from the bench process, so
 * the single-run figure is below the ingest scenario's (whose lean client costs less per request).
 */
export async function measureBatches(lab: Lab, deployment: RunqDeployment, sectionId: string, title: string): Promise<Section> {
  const { settings } = lab;
  const runs = settings.mode === 'quick' ? 5_000 : 20_000;
  const acceptances = settings.mode === 'quick' ? 5 : 20;
  const accept = new RowBuilder('runq-batch-accept', `runq: one POST /batches of ${BATCH_ITEMS} items, time to 202`);
  const batched = new RowBuilder('runq-batch-rate', `runq: ${runs} runs through ${BATCH_ITEMS}-item batches (${BATCH_LANES} in flight)`);
  const single = new RowBuilder('runq-single-rate', `runq: ${runs} runs through single POST /runs (${SINGLE_LANES} in flight)`);
  await deployment.stopWorker();
  for (let rep = 1; rep <= settings.reps; rep += 1) {
    await deployment.reset({ queue: true });
    const times: number[] = [];
    for (let index = 0; index < acceptances; index += 1) {
      const body = batchOf(deployment, index * BATCH_ITEMS);
      const started = performance.now();
      await deployment.request('POST', '/batches', body, [202]);
      times.push(performance.now() - started);
    }
    const latency = summarize(times);
    accept.add('p50', 'ms', 'lower', latency.p50).add('max', 'ms', 'lower', latency.max);

    await deployment.reset({ queue: true });
    let nextBatch = 0;
    const batchStarted = performance.now();
    await Promise.all(
      Array.from({ length: BATCH_LANES }, async () => {
        while (nextBatch * BATCH_ITEMS < runs) {
          const first = nextBatch++ * BATCH_ITEMS;
          await deployment.request('POST', '/batches', batchOf(deployment, first), [202]);
        }
      }),
    );
    const batchRate = runs / ((performance.now() - batchStarted) / 1000);
    batched.add('rate', 'runs/s', 'higher', batchRate);

    await deployment.reset({ queue: true });
    let next = 0;
    const singleStarted = performance.now();
    await Promise.all(
      Array.from({ length: SINGLE_LANES }, async () => {
        while (next < runs) {
          const seq = next++;
          await deployment.request('POST', '/runs', taskRequest(deployment.projectId, seq, Date.now()), [202]);
        }
      }),
    );
    const singleRate = runs / ((performance.now() - singleStarted) / 1000);
    single.add('rate', 'runs/s', 'higher', singleRate);
    lab.log(
      `  ${deployment.name} batches rep ${rep}: 1,000 items accepted in p50 ${fixed(latency.p50)} ms (max ${fixed(latency.max)} ms); ${Math.round(batchRate)} runs/s batched vs ${Math.round(singleRate)} runs/s single`,
    );
  }
  return {
    id: sectionId,
    title,
    description: `No worker runs. Time to 202 of one ${BATCH_ITEMS}-item POST /batches (sent one after another, ${acceptances} per repetition); runs/s creating ${runs} runs through batches and through single POST /runs.`,
    columns: [
      { metric: 'p50', header: 'p50 ms', digits: 1 },
      { metric: 'max', header: 'max ms', digits: 1 },
      { metric: 'rate', header: 'runs/s', digits: 0 },
    ],
    rows: [accept.build(), batched.build(), single.build()],
    comparisons: [],
  };
}
