import { memoryOf } from '../env/proc-stats.js';
import { RowBuilder, fixed, withCpu, type Lab } from '../lab.js';
import { LoadClient } from '../load/load-client.js';
import { PeerWorker } from '../peers/peer-worker-client.js';
import type { Row, Section } from '../report/results.js';
import { summarize } from '../stats.js';
import type { Peer } from '../systems/peers.js';
import { completedJobTimes, type JobTimes, type RunqDeployment, type RunTimes } from '../systems/runq-deployment.js';

/** Latency of one run from its timestamps; a run not yet started or finished counts as latency so far (`now`). */
function elapsed(from: number, to: number, now: number): number {
  return (Number.isNaN(to) ? now : to) - from;
}

/**
 * The stages of created → running, from runs whose queue jobs are still kept (see
 * {@link completedJobTimes}): the metric each is recorded under (`<metric>_p50`, `<metric>_p99`),
 * its label, and its duration for one run.
 */
export const LATENCY_STAGES = [
  // created_at → the API's queue add: the run's insert (its commit included) and the wait for the add.
  { metric: 'stage_store', label: 'insert and queue add', of: (run: RunTimes, job: JobTimes) => job.added - run.created },
  // The queue add → a worker taking the job: Redis and the worker's fetch.
  { metric: 'stage_pickup', label: 'queue pickup', of: (_run: RunTimes, job: JobTimes) => job.taken - job.added },
  // The worker taking the job → started_at: the claim statement, up to its start.
  { metric: 'stage_claim', label: 'claim', of: (run: RunTimes, job: JobTimes) => run.started - job.taken },
] as const;

function stageSummaries(times: RunTimes[], jobs: Map<string, JobTimes>): { metric: string; label: string; p50: number; p99: number }[] {
  const pairs = times.flatMap((run) => {
    const job = jobs.get(run.id);
    return job && !Number.isNaN(run.started) ? [{ run, job }] : [];
  });
  if (pairs.length === 0) return [];
  return LATENCY_STAGES.map(({ metric, label, of }) => {
    const { p50, p99 } = summarize(pairs.map(({ run, job }) => of(run, job)));
    return { metric, label, p50, p99 };
  });
}

/**
 * runq under an open-loop producer at a fixed rate, with one worker running. For each run, from
 * its stored timestamps: created → running (`started_at − created_at`) and created → completed
 * (`completed_at − created_at`); also from the client's send time (`config.sent_at`), which
 * adds the HTTP request and whatever the API does before it stamps `created_at`. A warm-up at
 * the same rate precedes each repetition and is discarded. On the Redis backend, created →
 * running is also split into its stages (see {@link LATENCY_STAGES}) for the newest runs.
 */
export async function measureRunqLatency(lab: Lab, deployment: RunqDeployment): Promise<Map<number, Row>> {
  const { settings } = lab;
  const rows = new Map<number, Row>();
  await deployment.startWorker(settings.workerConcurrency);
  const client = await LoadClient.open('load runq latency', {
    kind: 'runq-http',
    baseUrl: deployment.apiUrl,
    apiKey: deployment.apiKey,
    projectId: deployment.projectId,
  });
  try {
    for (const rate of settings.latencyRates) {
      const row = new RowBuilder('runq', `runq @ ${rate}/s`);
      for (let rep = 1; rep <= settings.reps; rep += 1) {
        await deployment.reset({ queue: false });
        const warm = await client.run({ mode: 'open', rate, durationMs: settings.latencyWarmupMs });
        await deployment.waitFinished(warm.ok, settings.latencySettleMs, { partial: true });
        // A backlog left by the warm-up (a system that cannot keep up) is dropped, queue included.
        await deployment.reset({ queue: true });
        const measured = await withCpu({ ...deployment.pids(), load: [client.pid] }, async () => {
          const sent = await client.run({ mode: 'open', rate, durationMs: settings.latencyMs });
          const progress = await deployment.waitFinished(sent.ok, settings.latencySettleMs, { partial: true });
          return { sent, progress };
        });
        const now = Date.now();
        const times = await deployment.runTimes();
        const running = summarize(times.map((t) => elapsed(t.created, t.started, now)));
        const completed = summarize(times.map((t) => elapsed(t.created, t.completed, now)));
        const sentRunning = summarize(times.map((t) => elapsed(t.sent, t.started, now)));
        const stages = stageSummaries(times, await completedJobTimes(deployment));
        const unfinished = measured.value.sent.ok - measured.value.progress.finished;
        if (unfinished > 0) {
          row.note(
            `${unfinished} of ${measured.value.sent.ok} runs had not finished ${settings.latencySettleMs / 1000} s after the producer stopped (rep ${rep}); their latency counts as the time waited, a lower bound`,
          );
        }
        row
          .add('running_p50', 'ms', 'lower', running.p50)
          .add('running_p99', 'ms', 'lower', running.p99)
          .add('completed_p50', 'ms', 'lower', completed.p50)
          .add('completed_p99', 'ms', 'lower', completed.p99)
          .add('sent_running_p50', 'ms', 'lower', sentRunning.p50)
          .add('sent_running_p99', 'ms', 'lower', sentRunning.p99)
          .add('http_p99', 'ms', 'lower', measured.value.sent.latency.p99)
          .add('achieved', 'ops/s', 'higher', measured.value.sent.rate)
          .cpu(measured.cpu, measured.value.sent.ok)
          .error(measured.value.sent.errors, measured.value.sent.errorSamples);
        for (const stage of stages) row.add(`${stage.metric}_p50`, 'ms', 'lower', stage.p50).add(`${stage.metric}_p99`, 'ms', 'lower', stage.p99);
        const stageLog = stages.map((stage) => `${stage.label} ${fixed(stage.p50)}`).join(', ');
        lab.log(
          `  ${deployment.name} @ ${rate}/s rep ${rep}: created→running p50 ${fixed(running.p50)} p99 ${fixed(running.p99)} ms; created→completed p50 ${fixed(completed.p50)} p99 ${fixed(completed.p99)} ms${stageLog ? `; stages p50 ${stageLog} ms` : ''}`,
        );
      }
      rows.set(rate, row.build());
    }
  } finally {
    await client.close();
  }
  return rows;
}

/**
 * A peer under the same open-loop producer: pickup latency, from the moment the producer
 * called its enqueue function (the time travels in the job) to the moment the handler starts.
 */
export async function measurePeerLatency(lab: Lab, peer: Peer): Promise<{ rows: Map<number, Row>; peakRssMiB: number }> {
  const { settings } = lab;
  const rows = new Map<number, Row>();
  await peer.reset();
  const worker = await PeerWorker.start(`${peer.name} worker`, peer.worker);
  const client = await LoadClient.open(`load ${peer.name}`, peer.producer);
  let peakRssMiB: number;
  try {
    for (const rate of settings.latencyRates) {
      const row = new RowBuilder(peer.name, `${peer.label} @ ${rate}/s`);
      for (let rep = 1; rep <= settings.reps; rep += 1) {
        await worker.reset();
        const warm = await client.run({ mode: 'open', rate, durationMs: settings.latencyWarmupMs });
        const warmed = await worker.drain(warm.ok, settings.latencySettleMs, warm.endedAt);
        // A backlog left by the warm-up (a system that cannot keep up) is dropped.
        if (warmed.unstarted > 0) await peer.reset();
        await worker.reset();
        const measured = await withCpu({ worker: [worker.pid], load: [client.pid] }, async () => {
          const sent = await client.run({ mode: 'open', rate, durationMs: settings.latencyMs });
          const report = await worker.drain(sent.ok, settings.latencySettleMs, sent.endedAt);
          return { sent, report };
        });
        const { pickup, unstarted } = measured.value.report;
        if (unstarted > 0) {
          await peer.reset();
          row.note(
            `${unstarted} of ${measured.value.sent.ok} jobs had not started ${settings.latencySettleMs / 1000} s after the producer stopped (rep ${rep}); their pickup counts as the time waited, a lower bound`,
          );
        }
        row
          .add('running_p50', 'ms', 'lower', pickup.p50)
          .add('running_p99', 'ms', 'lower', pickup.p99)
          .add('http_p99', 'ms', 'lower', measured.value.sent.latency.p99)
          .add('achieved', 'ops/s', 'higher', measured.value.sent.rate)
          .cpu(measured.cpu, measured.value.sent.ok)
          .error(measured.value.sent.errors, measured.value.sent.errorSamples);
        lab.log(`  ${peer.label} @ ${rate}/s rep ${rep}: pickup p50 ${fixed(pickup.p50)} p99 ${fixed(pickup.p99)} ms`);
      }
      rows.set(rate, row.build());
    }
    peakRssMiB = memoryOf(worker.pid)?.peakMiB ?? Number.NaN;
  } finally {
    await client.close();
    await worker.stop();
  }
  return { rows, peakRssMiB };
}

/** The latency section of one backend at one rate. */
export function latencySection(lab: Lab, id: string, title: string, rate: number, rows: Row[]): Section {
  return {
    id,
    title,
    description: `Open-loop producer at ${rate}/s for ${lab.settings.latencyMs / 1000} s (after a discarded ${lab.settings.latencyWarmupMs / 1000} s warm-up), one worker running. runq: created → running / completed from the run's timestamps; peers: enqueue call → handler start (pickup).`,
    columns: [
      { metric: 'running_p50', header: '→running p50', digits: 1 },
      { metric: 'running_p99', header: '→running p99', digits: 1 },
      { metric: 'completed_p50', header: '→completed p50', digits: 1 },
      { metric: 'completed_p99', header: '→completed p99', digits: 1 },
      { metric: 'achieved', header: 'sent/s', digits: 0 },
    ],
    rows,
    comparisons: [{ subject: 'runq', metrics: ['running_p50', 'running_p99'] }],
  };
}
