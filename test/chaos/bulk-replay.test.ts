import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { HttpObserver, type Answer } from './support/http-observer.js';
import type { AcceptedRun } from './support/load.js';
import { CHAOS_BACKENDS, useChaosStack } from './support/stack.js';
import { drain, untilRunCount, verifyRuns } from './support/verify.js';

/**
 * Settings (environment): RUNQ_CHAOS_BULK_RUNS failed runs replayed in bulk per backend (default
 * 10000), RUNQ_CHAOS_BACKENDS as for the run suite. A quick local run:
 * `RUNQ_CHAOS_BULK_RUNS=1000 npm run test:chaos -- bulk-replay`. Figures of a 10,000-run run:
 * docs/decisions/0019-batches-and-bulk-actions.md ("Measured").
 */
const RUNS = Number(process.env['RUNQ_CHAOS_BULK_RUNS'] ?? 10_000);
/** Items per `POST /batches` (the contract's most). */
const BATCH_ITEMS = 1_000;
/** Kill rounds, spread evenly over the action's progress: each SIGKILLs every worker and an API instance. */
const KILL_ROUNDS = 4;
/** How long the originals get to fail, and the replays to finish once the action is done. */
const SETTLE_MS = 600_000;
/** How long the bulk action gets to complete through the kills. */
const ACTION_MS = 900_000;

const WORKERS = 3;

/** One kill round: where the action stood, and what was killed. */
interface KillRound {
  processed: number;
  workers: number;
  api: number;
}

describe.each(CHAOS_BACKENDS)('bulk replay chaos on the %s queue backend', (backend) => {
  const stack = useChaosStack('bulk');

  it(`when a bulk replay of ${RUNS} failed runs meets SIGKILLed workers and API instances, then it completes and each original is replayed exactly once`, async () => {
    const started = Date.now();
    const log = (line: string) => process.stdout.write(`[bulk chaos ${backend} ${Math.round((Date.now() - started) / 1000)}s] ${line}\n`);
    const { db, projectId, token, processes } = await stack.start(backend, { apis: 2, workers: WORKERS });
    const http = new HttpObserver(() => processes.apiUrls, token);

    // The originals: tasks whose handler fails at once, with no retry (one attempt each).
    const windowStart = new Date(Date.now() - 1_000);
    const originals: AcceptedRun[] = [];
    for (let start = 0; start < RUNS; start += BATCH_ITEMS) {
      const items = Array.from({ length: Math.min(BATCH_ITEMS, RUNS - start) }, (_, offset) => ({
        kind: 'task',
        owner: { kind: 'project', id: projectId },
        public_id: `bulk-chaos-${start + offset}`,
        request: { target: 'doomed', backoff_limit: 0 },
      }));
      const batch = await untilAnswered(() => http.send('POST', '/batches', { items }));
      if (batch.status !== 202) throw new Error(`POST /batches answered ${batch.status}: ${JSON.stringify(batch.body)}`);
      for (const item of batch.body.items as { status: string; run: { run_id: string; public_id: string } }[]) {
        if (item.status !== 'created') throw new Error(`a batch item was ${item.status}: ${JSON.stringify(item)}`);
        originals.push({ runId: item.run.run_id, publicId: item.run.public_id, spec: 'doomed' });
      }
    }
    const created = Date.now();
    log(`${originals.length} runs created`);
    const failed = await untilRunCount(db, projectId, ['failed'], (count) => count >= RUNS, SETTLE_MS);
    if (failed !== RUNS) throw new Error(`${failed} of ${RUNS} runs failed within ${SETTLE_MS} ms`);
    const allFailed = Date.now();
    log('every original failed; starting the bulk replay');

    // The window ends now: the replays the action creates fall outside it.
    const filter = { created_after: windowStart.toISOString(), created_before: new Date().toISOString(), status: 'failed' };
    const action = await untilAnswered(() => http.send('POST', '/bulk-actions', { action: 'replay', filter }));
    if (action.status !== 202) throw new Error(`POST /bulk-actions answered ${action.status}: ${JSON.stringify(action.body)}`);
    expect(action.body).toMatchObject({ matched: RUNS, status: 'queued' });
    const actionPath = `/bulk-actions/${action.body.id}`;
    const replayStarted = Date.now();

    // Each kill round, once the action has gone a further share of the way, SIGKILLs every
    // worker (so the one holding the action dies mid-chunk) and one API instance, and starts
    // them again.
    const rounds: KillRound[] = [];
    let body: { status: string; processed: number } = action.body;
    const deadline = Date.now() + ACTION_MS;
    while (body.status !== 'completed' && Date.now() < deadline) {
      const answer = await http.send('GET', actionPath);
      if (answer?.status === 200) body = answer.body;
      const due = rounds.length < KILL_ROUNDS && body.status === 'running' && body.processed >= ((rounds.length + 1) * RUNS) / (KILL_ROUNDS + 1);
      if (due) {
        const round: KillRound = { processed: body.processed, workers: WORKERS, api: rounds.length % 2 };
        log(`kill round ${rounds.length + 1} at ${body.processed} processed: ${WORKERS} workers and API instance ${round.api}`);
        await Promise.all([...Array.from({ length: WORKERS }, (_, index) => processes.killWorker(index)), processes.killApi(round.api)]);
        rounds.push(round);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const replayDone = Date.now();
    log(`the bulk action is ${body.status}; draining the replays`);
    const unfinished = await drain(db, projectId, SETTLE_MS);
    const drained = Date.now();

    const replayRows = await db
      .selectFrom('runs')
      .select(['id', 'public_id', sql<string>`metadata->>'replay_of'`.as('original')])
      .where('project_id', '=', projectId)
      .where(sql<string>`metadata->>'replay_of'`, 'is not', null)
      .execute();
    const replaysOf = new Map<string, number>();
    for (const row of replayRows) replaysOf.set(row.original, (replaysOf.get(row.original) ?? 0) + 1);
    const originalIds = new Set(originals.map((run) => run.runId));
    const notReplayed = originals.filter((run) => !replaysOf.has(run.runId)).length;
    const replayedTwice = [...replaysOf.values()].filter((count) => count > 1).length;
    const strayReplays = replayRows.filter((row) => !originalIds.has(row.original)).length;
    // Every run of the project, originals and replays, checked as the run suite checks its load.
    const replays: AcceptedRun[] = replayRows.map((row) => ({ runId: row.id, publicId: row.public_id ?? '', spec: 'doomed' }));
    const { counts, problems } = await verifyRuns(db, projectId, [...originals, ...replays]);
    const final = (await untilAnswered(() => http.send('GET', actionPath))).body;

    const report = {
      backend,
      originals: RUNS,
      action: { status: final.status, matched: final.matched, processed: final.processed, succeeded: final.succeeded, failed: final.failed },
      replays: replayRows.length,
      not_replayed: notReplayed,
      replayed_twice: replayedTwice,
      stray_replays: strayReplays,
      runs: counts,
      kill_rounds: rounds,
      workers_killed: rounds.reduce((sum, round) => sum + round.workers, 0),
      apis_killed: rounds.length,
      unfinished_at_drain_deadline: unfinished,
      http_statuses: Object.fromEntries(http.statuses),
      connection_errors: http.networkErrors,
      bad_answers: http.bad.length,
      crashes: processes.crashes.length,
      load_average: loadavg().map((n) => Number(n.toFixed(1))),
      create_seconds: seconds(started, created),
      fail_seconds: seconds(created, allFailed),
      replay_seconds: seconds(replayStarted, replayDone),
      drain_seconds: seconds(replayDone, drained),
      wall_seconds: seconds(started, Date.now()),
    };
    process.stdout.write(`\nbulk chaos report ${JSON.stringify(report, null, 2)}\n`);
    const details = [
      ...problems,
      ...http.bad.slice(0, 10).map((bad) => `${bad.what}: ${bad.method} ${bad.path} ${bad.status ?? ''} ${bad.detail}`),
      ...processes.crashes.map((crash) => `crash of ${crash.name} (${crash.code ?? crash.signal}): ${crash.stderr.join('\n')}`),
    ];
    if (details.length > 0) process.stdout.write(`\nbulk chaos problems:\n- ${details.join('\n- ')}\n${processes.tails()}\n`);

    expect(report.action).toEqual({ status: 'completed', matched: RUNS, processed: RUNS, succeeded: RUNS, failed: 0 });
    expect({
      replays: replayRows.length,
      notReplayed,
      replayedTwice,
      strayReplays,
      lost: counts.lost,
      duplicated: counts.duplicated,
      invalidTransitions: counts.invalidTransitions,
      stuck: counts.stuck,
      wrongOutcome: counts.wrongOutcome,
      otherRuns: counts.unacknowledged,
      badAnswers: http.bad.length,
      crashes: processes.crashes.length,
    }).toEqual({
      replays: RUNS,
      notReplayed: 0,
      replayedTwice: 0,
      strayReplays: 0,
      lost: 0,
      duplicated: 0,
      invalidTransitions: 0,
      stuck: 0,
      wrongOutcome: 0,
      otherRuns: 0,
      badAnswers: 0,
      crashes: 0,
    });
    // The originals failed and their replays failed the same way: every run of the project is failed.
    expect(counts.byStatus).toEqual({ failed: 2 * RUNS });
    // The kills hit the action while it ran (a round starts only while it is `running`).
    expect(rounds.length).toBeGreaterThanOrEqual(1);
  });
});

/** Sends until an instance answers with something other than 503 (an instance may be restarting). */
async function untilAnswered(send: () => Promise<Answer | undefined>, timeoutMs = 120_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await send();
    if (answer && answer.status !== 503) return answer;
    if (Date.now() >= deadline) throw new Error(`no answer but ${answer?.status ?? 'connection errors'} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function seconds(from: number, to: number): number {
  return Math.round((to - from) / 100) / 10;
}
