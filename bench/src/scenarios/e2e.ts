import type { MemoryParts } from '../env/processes.js';
import { memoryOf } from '../env/proc-stats.js';
import { RowBuilder, withCpu, type Lab } from '../lab.js';
import { LoadClient } from '../load/load-client.js';
import type { ProducerSpec } from '../load/protocol.js';
import { PeerWorker } from '../peers/peer-worker-client.js';
import { metric, type Row, type Section } from '../report/results.js';
import type { Peer } from '../systems/peers.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';

/** Upper bound on one drain: slow systems fail the scenario instead of hanging the bench. */
function drainTimeoutMs(runs: number): number {
  return Math.max(120_000, runs * 10);
}

/**
 * runq end to end, two ways per repetition:
 * - `drain`: N runs created over HTTP with no worker running, then a worker is started; rate =
 *   N ÷ (last completed_at − first started_at), the same shape as the peers' drain;
 * - `e2e`: N runs created over HTTP (`concurrency` clients) while a worker runs; rate = N ÷
 *   (last completed_at − first request sent): creation and execution overlap, as in production.
 */
export async function measureRunqEndToEnd(lab: Lab, deployment: RunqDeployment): Promise<{ e2e: Row; drain: Row }> {
  const { settings } = lab;
  const runs = settings.e2eRuns;
  const e2e = new RowBuilder('runq', 'runq: create over HTTP while draining');
  const drain = new RowBuilder('runq-drain', 'runq: drain (created first, then worker)');
  const spec: ProducerSpec = { kind: 'runq-http', baseUrl: deployment.apiUrl, apiKey: deployment.apiKey, projectId: deployment.projectId };
  const client = await LoadClient.open('load runq e2e', spec);
  const roles = () => ({ ...deployment.pids(), load: [client.pid] });
  try {
    for (let rep = 1; rep <= settings.reps; rep += 1) {
      // Drain: queue up N runs, then start a worker.
      await deployment.stopWorker();
      await deployment.reset({ queue: true });
      const created = await client.run({ mode: 'count', concurrency: settings.concurrency, total: runs });
      drain.error(created.errors, created.errorSamples);
      await deployment.startWorker(settings.workerConcurrency);
      const drained = await withCpu(roles(), () => deployment.waitFinished(created.ok, drainTimeoutMs(runs)));
      const drainTimes = await deployment.runTimes();
      const firstStart = Math.min(...drainTimes.map((t) => t.started));
      const lastDone = Math.max(...drainTimes.map((t) => t.completed));
      const drainRate = (drained.value.completed / (lastDone - firstStart)) * 1000;
      drain.add('rate', 'runs/s', 'higher', drainRate).add('create_rate', 'runs/s', 'higher', created.rate).cpu(drained.cpu, drained.value.completed);
      if (drained.value.completed < created.ok) drain.note(`${created.ok - drained.value.completed} runs did not complete`);

      // End to end: create N runs while the worker runs.
      await deployment.reset({ queue: false });
      const both = await withCpu(roles(), async () => {
        const made = await client.run({ mode: 'count', concurrency: settings.concurrency, total: runs });
        const finished = await deployment.waitFinished(made.ok, drainTimeoutMs(runs));
        return { made, finished };
      });
      const times = await deployment.runTimes();
      const last = Math.max(...times.map((t) => t.completed));
      const rate = (both.value.finished.completed / (last - both.value.made.startedAt)) * 1000;
      e2e.add('rate', 'runs/s', 'higher', rate).add('create_rate', 'runs/s', 'higher', both.value.made.rate).cpu(both.cpu, both.value.finished.completed);
      e2e.error(both.value.made.errors, both.value.made.errorSamples);
      if (both.value.finished.completed < both.value.made.ok) e2e.note(`${both.value.made.ok - both.value.finished.completed} runs did not complete`);
      lab.log(`  ${deployment.name} rep ${rep}: drain ${Math.round(drainRate)}/s (created at ${Math.round(created.rate)}/s), end to end ${Math.round(rate)}/s`);
    }
  } finally {
    await client.close();
  }
  return { e2e: e2e.build(), drain: drain.build() };
}

/**
 * A peer draining N no-op jobs: the queue is filled through its batch API, then its worker
 * process starts; rate = N ÷ (store confirms the last job finished − first handler call).
 */
export async function measurePeerDrain(lab: Lab, peer: Peer): Promise<{ row: Row; peakRssMiB: number }> {
  const { settings } = lab;
  const runs = settings.e2eRuns;
  const row = new RowBuilder(peer.name, `${peer.label}: drain`);
  const client = await LoadClient.open(`load ${peer.name}`, peer.producer);
  let peakRssMiB = Number.NaN;
  try {
    for (let rep = 1; rep <= settings.reps; rep += 1) {
      await peer.reset();
      await client.run({ mode: 'bulk', total: runs });
      const worker = await PeerWorker.start(`${peer.name} worker`, peer.worker);
      try {
        const drained = await withCpu({ worker: [worker.pid] }, () => worker.drain(runs, drainTimeoutMs(runs)));
        const rate = (drained.value.count / (drained.value.doneAt - drained.value.firstStartAt)) * 1000;
        row.add('rate', 'jobs/s', 'higher', rate).cpu(drained.cpu, drained.value.count);
        lab.log(`  ${peer.label} rep ${rep}: drain ${Math.round(rate)}/s`);
        peakRssMiB = Math.max(Number.isNaN(peakRssMiB) ? 0 : peakRssMiB, memoryOf(worker.pid)?.peakMiB ?? Number.NaN);
      } finally {
        await worker.stop();
      }
    }
  } finally {
    await client.close();
  }
  return { row: row.build(), peakRssMiB };
}

/** The end-to-end section of one backend. */
export function endToEndSection(lab: Lab, id: string, title: string, rows: Row[]): Section {
  return {
    id,
    title,
    description: `${lab.settings.e2eRuns} no-op task runs (jobs) per repetition. runq: created over HTTP by ${lab.settings.concurrency} clients, executed by one \`runq worker --concurrency ${lab.settings.workerConcurrency}\`; peers: queue pre-filled through their batch API, then drained by one worker process.`,
    columns: [
      { metric: 'rate', header: 'completed/s', digits: 0 },
      { metric: 'create_rate', header: 'created/s', digits: 0 },
    ],
    rows,
    comparisons: [
      { subject: 'runq', metrics: ['rate'] },
      { subject: 'runq-drain', metrics: ['rate'] },
    ],
  };
}

/** V8 heap spaces of the young generation; `old` is the old one, every other space is summed as `v8_other`. */
const YOUNG_SPACES = ['new', 'new_large_object'];

/**
 * A memory row for one process: peak RSS, RSS at rest, and with `parts` what its memory was
 * made of at its highest sampled RSS (pages mapped from files, and V8's young, old and other heap
 * spaces), so a peak over a target shows where it comes from.
 */
export function memoryRow(subject: string, label: string, memory: { peakMiB: number; restMiB?: number; parts?: MemoryParts | undefined }): Row {
  const mb = (mib: number) => [(mib * 1024 * 1024) / 1e6];
  const metrics: Row['metrics'] = { peak_rss: metric('MB', 'lower', mb(memory.peakMiB)) };
  if (memory.restMiB !== undefined && Number.isFinite(memory.restMiB)) metrics['rest_rss'] = metric('MB', 'lower', mb(memory.restMiB));
  const { parts } = memory;
  if (parts) {
    metrics['sampled_rss'] = metric('MB', 'lower', mb(parts.currentMiB));
    metrics['file_rss'] = metric('MB', 'lower', mb(parts.fileMiB));
    const spaces = Object.entries(parts.heapSpacesMiB);
    if (spaces.length > 0) {
      const total = spaces.reduce((sum, [, size]) => sum + size, 0);
      const young = spaces.reduce((sum, [name, size]) => sum + (YOUNG_SPACES.includes(name) ? size : 0), 0);
      const old = parts.heapSpacesMiB['old'] ?? 0;
      metrics['v8_young'] = metric('MB', 'lower', mb(young));
      metrics['v8_old'] = metric('MB', 'lower', mb(old));
      metrics['v8_other'] = metric('MB', 'lower', mb(total - young - old));
    }
  }
  return { subject, label, metrics };
}
