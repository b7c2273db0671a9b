import { RowBuilder, fixed, type Lab } from '../lab.js';
import type { Section } from '../report/results.js';
import { summarize } from '../stats.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';
import { taskRequest } from '../systems/run-rows.js';

/** The policy the scenario puts: one slot for the no-op target, so every run waits for the one before. */
const POLICY = { match: { kind: 'task', target: 'noop' }, concurrency: { key: null, limit: 1 } };

/**
 * How soon a run held by a full concurrency bucket starts once the slot frees. Under a policy of
 * one slot, N no-op runs are created at once; they run one after another, each admitted in the
 * transaction that settles the one before. Latency = its claim − the completion of the run
 * before it, both on the database's clock (event times).
 */
export async function measureReleaseLatency(lab: Lab, deployment: RunqDeployment, sectionId: string, title: string): Promise<Section> {
  const { settings } = lab;
  const runs = settings.mode === 'quick' ? 100 : 500;
  const row = new RowBuilder('runq-release', `runq: held run starts after the slot frees (limit 1, ${runs} runs)`);
  for (let rep = 1; rep <= settings.reps; rep += 1) {
    await deployment.reset({ queue: true });
    await deployment.request('PUT', '/policies/bench-serial', POLICY, [200, 201]);
    try {
      const lanes = 8;
      let next = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < runs) {
            const seq = next++;
            await deployment.request('POST', '/runs', taskRequest(deployment.projectId, seq, Date.now()), [202]);
          }
        }),
      );
      await deployment.waitFinished(runs, Math.max(60_000, runs * 200));
      const gaps = await lab.servers.withClient(deployment.target.databaseUrl, async (client) => {
        const result = await client.query<{ started: number; completed: number }>(
          `select extract(epoch from s.at) * 1000 as started, extract(epoch from c.at) * 1000 as completed
             from run_events as s join run_events as c on c.run_id = s.run_id
            where s.to_status = 'running' and s.from_status = 'pending' and c.to_status = 'completed'
            order by s.at`,
        );
        const spans = result.rows.map((span) => ({ started: Number(span.started), completed: Number(span.completed) }));
        return spans.slice(1).map((span, index) => span.started - (spans[index]?.completed ?? Number.NaN));
      });
      const latency = summarize(gaps);
      row.add('p50', 'ms', 'lower', latency.p50).add('p99', 'ms', 'lower', latency.p99).add('max', 'ms', 'lower', latency.max);
      if (gaps.some((gap) => gap < 0)) row.note('a run started before the one ahead of it completed: the limit was exceeded');
      lab.log(`  ${deployment.name} release rep ${rep}: p50 ${fixed(latency.p50)} ms, p99 ${fixed(latency.p99)} ms over ${gaps.length} releases`);
    } finally {
      await deployment.request('DELETE', '/policies/bench-serial', undefined, [204, 404]);
    }
  }
  return {
    id: sectionId,
    title,
    description:
      'A policy allows one running no-op run at a time; runs created at once start one after another. Latency: from the completion of a run to the start (claim) of the next, on the database clock.',
    columns: [
      { metric: 'p50', header: 'p50 ms', digits: 1 },
      { metric: 'p99', header: 'p99 ms', digits: 1 },
      { metric: 'max', header: 'max ms', digits: 1 },
    ],
    rows: [row.build()],
    comparisons: [],
  };
}
