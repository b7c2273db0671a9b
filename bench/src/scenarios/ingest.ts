import { snapshotCpu, cpuBetween, type ProcessRoles } from '../env/proc-stats.js';
import { RowBuilder, fixed, sleep, type Lab } from '../lab.js';
import { LoadClient } from '../load/load-client.js';
import type { ProducerSpec } from '../load/protocol.js';
import type { Section } from '../report/results.js';

/** One system whose single enqueue is measured. */
export interface IngestSubject {
  subject: string;
  label: string;
  producer: ProducerSpec;
  /** Empties its store before each repetition. */
  reset(): Promise<void>;
  /** Its processes (besides the load generator, reported as `load`). */
  roles(): ProcessRoles;
}

/**
 * Ingest: `concurrency` closed-loop producers for a fixed time, each sending its next
 * operation as soon as the previous one answered. Reports accepted operations per second and
 * the client-side latency of each. Every subject is measured once per repetition, in turn, so
 * slow drifts of the machine spread over all of them; no worker runs meanwhile.
 */
export async function measureIngest(lab: Lab, id: string, title: string, subjects: IngestSubject[], databases: string[]): Promise<Section> {
  const { settings } = lab;
  const builders = new Map(subjects.map((subject) => [subject.subject, new RowBuilder(subject.subject, subject.label)]));
  const clients = new Map<string, LoadClient>();
  await lab.statements.reset();
  try {
    for (const subject of subjects) clients.set(subject.subject, await LoadClient.open(`load ${subject.subject}`, subject.producer));
    for (let rep = 1; rep <= settings.reps; rep += 1) {
      for (const subject of subjects) {
        const client = clients.get(subject.subject);
        const row = builders.get(subject.subject);
        if (!client || !row) continue;
        await subject.reset();
        const roles = { ...subject.roles(), load: [client.pid] };
        // CPU is sampled over the measured window only, not the warm-up.
        const running = client.run({ mode: 'closed', concurrency: settings.concurrency, warmupMs: settings.ingestWarmupMs, durationMs: settings.ingestMs });
        await sleep(settings.ingestWarmupMs);
        const before = snapshotCpu(roles);
        const result = await running;
        const cpu = cpuBetween(before, snapshotCpu(roles));
        row.add('rate', 'ops/s', 'higher', result.rate).add('p50', 'ms', 'lower', result.latency.p50).add('p99', 'ms', 'lower', result.latency.p99);
        row.cpu(cpu, result.ok).error(result.errors, result.errorSamples);
        lab.log(
          `  ${id} rep ${rep} ${subject.label}: ${Math.round(result.rate)}/s, p50 ${fixed(result.latency.p50)} ms, p99 ${fixed(result.latency.p99)} ms${result.errors > 0 ? `, ${result.errors} errors (${result.errorSamples[0] ?? ''})` : ''}`,
        );
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
  return {
    id,
    title,
    description: `${settings.concurrency} closed-loop producers for ${settings.ingestMs / 1000} s after ${settings.ingestWarmupMs / 1000} s of warm-up; accepted operations per second and client-side latency. No worker runs.`,
    columns: [
      { metric: 'rate', header: 'accepted/s', digits: 0 },
      { metric: 'p50', header: 'p50 ms', digits: 1 },
      { metric: 'p99', header: 'p99 ms', digits: 1 },
    ],
    rows: subjects.map((subject) => builders.get(subject.subject)?.build()).filter((row) => row !== undefined),
    comparisons: [{ subject: 'runq', metrics: ['rate'] }],
    statements: await lab.statements.top(databases),
  };
}
