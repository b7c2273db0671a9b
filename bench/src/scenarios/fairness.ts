import { randomUUID } from 'node:crypto';
import { RowBuilder, fixed, type Lab } from '../lab.js';
import { createRunqKey } from '../env/processes.js';
import type { Section } from '../report/results.js';
import { summarize } from '../stats.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';
import { taskRequest } from '../systems/run-rows.js';

/** How often the quiet project creates a run while the busy one's backlog drains. */
const QUIET_INTERVAL_MS = 50;
/** Runs per `POST /batches` of the busy project's backlog (the most one takes). */
const BATCH_ITEMS = 1_000;
/** Batches of the busy project in flight at once. */
const BUSY_CLIENTS = 2;
/**
 * How long every run of the scenario holds its slot. The pool (one worker, `--concurrency 50`)
 * then finishes at most 50 ÷ this many runs a second, fewer than the API creates, so the busy
 * project's backlog builds up in the queue instead of being drained as it is created.
 */
const RUN_MS = 100;

/** A run of `projectId` that holds its slot for `RUN_MS`. */
function slotHolder(projectId: string, seq: number): ReturnType<typeof taskRequest> {
  const body = taskRequest(projectId, seq, Date.now());
  return { ...body, request: { ...body.request, target: 'sleep', config: { ...body.request.config, ms: RUN_MS } } };
}

/** The quiet project: its id and API key. */
interface QuietProject {
  id: string;
  key: string;
}

/** What one backlog showed: the quiet project's waits (none without it), the backlog's throughput and its size at its last creation. */
interface BacklogFigures {
  waits: number[];
  /** The backlog's runs completed per second, from its first creation to its last completion. */
  rate: number;
  /** The backlog's runs not yet started when its last one was created. */
  queuedAtLast: number;
}

/**
 * Posts a backlog of `backlog` runs for the deployment's project in batches of `BATCH_ITEMS`,
 * `BUSY_CLIENTS` at once, and waits until it has finished; with `quiet`, that project posts one run every
 * `QUIET_INTERVAL_MS` meanwhile. Every run holds its slot for `RUN_MS`.
 */
async function drainBacklog(lab: Lab, deployment: RunqDeployment, backlog: number, quiet: QuietProject | undefined): Promise<BacklogFigures> {
  await deployment.reset({ queue: true });
  let next = 0;
  let busyDone = false;
  const busy = Promise.all(
    Array.from({ length: BUSY_CLIENTS }, async () => {
      while (next < backlog) {
        const first = next;
        next = Math.min(backlog, next + BATCH_ITEMS);
        const items = Array.from({ length: next - first }, (_, index) => slotHolder(deployment.projectId, first + index));
        await deployment.request('POST', '/batches', { items }, [202]);
      }
    }),
  );
  const quietRuns = (async () => {
    let seq = 0;
    while (quiet && !busyDone) {
      await deployment.request('POST', '/runs', slotHolder(quiet.id, seq++), [202], quiet.key);
      await new Promise((resolve) => setTimeout(resolve, QUIET_INTERVAL_MS));
    }
    return seq;
  })();
  await busy;
  await deployment.waitFinished(backlog, Math.max(120_000, backlog * 20), { partial: true });
  busyDone = true;
  const quietCount = await quietRuns;
  if (quietCount > 0) await deployment.waitFinished(backlog + quietCount, 60_000, { partial: true });
  return lab.servers.withClient(deployment.target.databaseUrl, async (client) => {
    const waits = quiet
      ? await client.query<{ wait: number }>(
          `select extract(epoch from s.at - c.at) * 1000 as wait
             from runs as r join run_events as c on c.run_id = r.id and c.seq = 1
             join run_events as s on s.run_id = r.id and s.to_status = 'running'
            where r.project_id = $1`,
          [quiet.id],
        )
      : { rows: [] };
    const drain = await client.query<{ runs: number; seconds: string; queued: number }>(
      `with last as (select max(created_at) as at from runs where project_id = $1)
       select count(*)::int as runs, extract(epoch from max(completed_at) - min(created_at)) as seconds,
              count(*) filter (where started_at > (select at from last))::int as queued
         from runs where project_id = $1 and status = 'completed'`,
      [deployment.projectId],
    );
    const row = drain.rows[0];
    const seconds = Number(row?.seconds ?? 0);
    return { waits: waits.rows.map((wait) => Number(wait.wait)), rate: row && seconds > 0 ? row.runs / seconds : Number.NaN, queuedAtLast: row?.queued ?? 0 };
  });
}

/**
 * Fairness between projects: project A posts a backlog of runs in batches, far faster than the
 * pool finishes them, while project B posts one run every `QUIET_INTERVAL_MS` until A's
 * backlog has finished. Reports B's created → running p50/p99, and A's throughput beside B and,
 * in the same repetition, alone: their ratio shows whether A still had the rest of the pool.
 */
export async function measureFairness(lab: Lab, deployment: RunqDeployment, sectionId: string, title: string): Promise<Section> {
  const { settings } = lab;
  const backlog = settings.mode === 'quick' ? 3_000 : 20_000;
  const beside = new RowBuilder('runq-quiet', `runq: a quiet project beside a backlog of ${backlog.toLocaleString('en-US')}`);
  const alone = new RowBuilder('runq-alone', 'runq: the same backlog alone');
  const quietId = randomUUID();
  const quiet = { id: quietId, key: await createRunqKey(deployment.target, quietId) };
  for (let rep = 1; rep <= settings.reps; rep += 1) {
    const baseline = await drainBacklog(lab, deployment, backlog, undefined);
    alone.add('rate', 'runs/s', 'higher', baseline.rate).add('queued', 'runs', 'higher', baseline.queuedAtLast);
    const shared = await drainBacklog(lab, deployment, backlog, quiet);
    const wait = summarize(shared.waits);
    beside
      .add('p50', 'ms', 'lower', wait.p50)
      .add('p99', 'ms', 'lower', wait.p99)
      .add('max', 'ms', 'lower', wait.max)
      .add('rate', 'runs/s', 'higher', shared.rate)
      .add('queued', 'runs', 'higher', shared.queuedAtLast);
    lab.log(
      `  ${deployment.name} fairness rep ${rep}: quiet project created→running p50 ${fixed(wait.p50)} ms, p99 ${fixed(wait.p99)} ms over ${shared.waits.length} runs; ` +
        `busy project ${fixed(shared.rate)} runs/s beside it (${shared.queuedAtLast} queued at its last creation), ${fixed(baseline.rate)}/s alone (${baseline.queuedAtLast} queued)`,
    );
  }
  return {
    id: sectionId,
    title,
    description:
      `Every run holds its slot for ${RUN_MS} ms (one worker, --concurrency ${settings.workerConcurrency}). Project A posts ${backlog} runs in ${BATCH_ITEMS}-item batches, ${BUSY_CLIENTS} at once, ` +
      `more than the pool finishes, so they queue; project B posts one every ${QUIET_INTERVAL_MS} ms until A's have finished. ` +
      'B: created → running on the database clock. A: its runs completed per second from its first creation to its last completion, beside B and, in the same repetition, alone; ' +
      'and how many of its runs were still queued when its last one was created.',
    columns: [
      { metric: 'p50', header: 'quiet p50 ms', digits: 1 },
      { metric: 'p99', header: 'quiet p99 ms', digits: 1 },
      { metric: 'max', header: 'quiet max ms', digits: 1 },
      { metric: 'rate', header: 'backlog runs/s', digits: 0 },
      { metric: 'queued', header: 'backlog queued at its last creation', digits: 0 },
    ],
    rows: [beside.build(), alone.build()],
    comparisons: [{ subject: 'runq-quiet', metrics: ['rate'] }],
  };
}
