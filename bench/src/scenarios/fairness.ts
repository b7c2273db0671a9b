import { randomUUID } from 'node:crypto';
import { RowBuilder, fixed, type Lab } from '../lab.js';
import { createRunqKey } from '../env/processes.js';
import type { Section } from '../report/results.js';
import { summarize } from '../stats.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';
import { taskRequest } from '../systems/run-rows.js';

/** How often the quiet project creates a run while the busy one's backlog drains. */
const QUIET_INTERVAL_MS = 50;

async function post(deployment: RunqDeployment, key: string, body: unknown): Promise<void> {
  const response = await fetch(`${deployment.apiUrl}/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST /runs answered ${response.status}: ${text.slice(0, 200)}`);
}

/**
 * Fairness between projects: project A posts a backlog of no-op runs as fast as 32 clients can,
 * while project B posts one run every `QUIET_INTERVAL_MS` until A's backlog has drained. Reports B's created →
 * running p50/p99 (database clock), and A's drain rate once all of it was created (runs
 * completed per second after its last creation), which shows that A still had the pool.
 */
export async function measureFairness(lab: Lab, deployment: RunqDeployment, sectionId: string, title: string): Promise<Section> {
  const { settings } = lab;
  const backlog = settings.mode === 'quick' ? 3_000 : 20_000;
  const row = new RowBuilder('runq-quiet', `runq: a quiet project beside a backlog of ${backlog.toLocaleString('en-US')}`);
  const quietProject = randomUUID();
  const quietKey = await createRunqKey(deployment.target, quietProject);
  for (let rep = 1; rep <= settings.reps; rep += 1) {
    await deployment.reset({ queue: true });
    let next = 0;
    let busyDone = false;
    const busy = Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < backlog) await post(deployment, deployment.apiKey, taskRequest(deployment.projectId, next++, Date.now()));
      }),
    );
    const quiet = (async () => {
      let seq = 0;
      while (!busyDone) {
        await post(deployment, quietKey, taskRequest(quietProject, seq++, Date.now()));
        await new Promise((resolve) => setTimeout(resolve, QUIET_INTERVAL_MS));
      }
      return seq;
    })();
    await busy;
    await deployment.waitFinished(backlog, Math.max(120_000, backlog * 20), { partial: true });
    busyDone = true;
    const quietCount = await quiet;
    await deployment.waitFinished(backlog + quietCount, 60_000, { partial: true });
    const figures = await lab.servers.withClient(deployment.target.databaseUrl, async (client) => {
      const waits = await client.query<{ wait: number }>(
        `select extract(epoch from s.at - c.at) * 1000 as wait
           from runs as r join run_events as c on c.run_id = r.id and c.seq = 1
           join run_events as s on s.run_id = r.id and s.to_status = 'running'
          where r.project_id = $1`,
        [quietProject],
      );
      // The backlog's drain once all of it was created: runs completed after its last creation.
      const drain = await client.query<{ runs: number; seconds: number }>(
        `with last as (select max(created_at) as at from runs where project_id = $1)
         select count(*)::int as runs, extract(epoch from max(r.completed_at) - (select at from last)) as seconds
           from runs as r where r.project_id = $1 and r.status = 'completed' and r.completed_at > (select at from last)`,
        [deployment.projectId],
      );
      return { waits: waits.rows.map((row) => Number(row.wait)), drain: drain.rows[0] };
    });
    const wait = summarize(figures.waits);
    const rate = figures.drain && figures.drain.seconds > 0 ? figures.drain.runs / figures.drain.seconds : Number.NaN;
    row.add('p50', 'ms', 'lower', wait.p50).add('p99', 'ms', 'lower', wait.p99).add('max', 'ms', 'lower', wait.max).add('rate', 'runs/s', 'higher', rate);
    lab.log(
      `  ${deployment.name} fairness rep ${rep}: quiet project created→running p50 ${fixed(wait.p50)} ms, p99 ${fixed(wait.p99)} ms over ${figures.waits.length} runs; busy project drained ${fixed(rate)}/s`,
    );
  }
  return {
    id: sectionId,
    title,
    description: `Project A posts ${backlog} no-op runs as fast as 32 clients can; project B posts one every ${QUIET_INTERVAL_MS} ms until A's have finished. B: created → running on the database clock. A: its runs completed per second after its last one was created.`,
    columns: [
      { metric: 'p50', header: 'quiet p50 ms', digits: 1 },
      { metric: 'p99', header: 'quiet p99 ms', digits: 1 },
      { metric: 'max', header: 'quiet max ms', digits: 1 },
      { metric: 'rate', header: 'backlog drain runs/s', digits: 0 },
    ],
    rows: [row.build()],
    comparisons: [],
  };
}
