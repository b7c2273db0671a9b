import { loadavg } from 'node:os';
import type { Db } from '@runq/db';
import { runFaultSchedule, type FaultKind, type FaultRecord } from './support/faults.js';
import { HttpObserver } from './support/http-observer.js';
import { LoadProducer } from './support/load.js';
import { CHAOS_BACKENDS, LEASE_MS, WORKER_ENV, useChaosStack } from './support/stack.js';
import { peakRunning } from '../support/event-log.js';
import { drain, verifyRuns } from './support/verify.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Settings (environment): RUNQ_CHAOS_RUNS runs per backend (default 5000), RUNQ_CHAOS_RATE runs
 * created per second (default 25), RUNQ_CHAOS_BACKENDS (default `postgres,redis`). A quick local
 * run: `RUNQ_CHAOS_RUNS=300 npm run test:chaos`. Every fault kind runs at least once whatever
 * the count.
 */
const RUNS = Number(process.env['RUNQ_CHAOS_RUNS'] ?? 5_000);
const RATE = Number(process.env['RUNQ_CHAOS_RATE'] ?? 25);
/** How long the accepted runs get to finish after the load stops. */
const DRAIN_MS = 120_000;

// Deliveries that failed during a fault are retried within a second or so.
const CHAOS_WORKER_ENV = { ...WORKER_ENV, RUNQ_WEBHOOK_RETRY_BASE_MS: '200' };
/** The flow-control policy the load runs under: at most this many workflow runs at once. */
const WORKFLOW_LIMIT = 3;

const FAULTS: Record<'postgres' | 'redis', FaultKind[]> = {
  // On the PostgreSQL backend nothing uses Redis: its faults do not apply.
  postgres: ['kill_worker', 'restart_postgres', 'pause_worker', 'kill_api', 'kill_worker', 'restart_postgres'],
  redis: ['kill_worker', 'restart_redis_with_data', 'pause_worker', 'restart_postgres', 'kill_api', 'restart_redis_without_data', 'kill_worker'],
};

describe.each(CHAOS_BACKENDS)('chaos on the %s queue backend', (backend) => {
  let producers: LoadProducer[] = [];
  let receiver: WebhookReceiver | undefined;
  const stack = useChaosStack('runs', async () => {
    await Promise.all(producers.map((producer) => producer.close()));
    await receiver?.close();
  });

  it(`when ${RUNS} runs meet killed and paused workers, restarted dependencies and killed API instances, then every accepted run ends as expected exactly once`, async () => {
    const started = Date.now();
    const { postgres, redis, db, projectId, token, processes } = await stack.start(backend, {
      apis: 2,
      workers: 3,
      env: { RUNQ_SECRETS_KEY: 'chaos-secrets-key-0123456789abcdef0123456789', RUNQ_WEBHOOK_ALLOW_PRIVATE: '1' },
      workerEnv: CHAOS_WORKER_ENV,
    });
    const http = new HttpObserver(() => processes.apiUrls, token);
    // Workflow runs are held and released by flow control through every fault.
    const policy = await http.send('PUT', '/policies/chaos-workflows', { match: { kind: 'workflow' }, concurrency: { limit: WORKFLOW_LIMIT } });
    if (policy?.status !== 201) throw new Error(`PUT /policies answered ${policy?.status}: ${JSON.stringify(policy?.body)}`);
    // Every terminal event goes to a receiver on loopback through every fault.
    receiver = await WebhookReceiver.start();
    const subscription = await http.send('POST', '/webhook-subscriptions', {
      url: receiver.url('chaos'),
      events: ['run.completed', 'run.failed', 'run.cancelled'],
    });
    if (subscription?.status !== 201) throw new Error(`POST /webhook-subscriptions answered ${subscription?.status}: ${JSON.stringify(subscription?.body)}`);
    receiver.setSecret('chaos', (subscription.body as { secret: string }).secret);
    const producer = new LoadProducer(http, projectId, 20261129);
    const canaries = new LoadProducer(http, projectId, 1);
    producers = [producer, canaries];
    const log = (line: string) =>
      process.stdout.write(`[chaos ${backend} ${Math.round((Date.now() - started) / 1000)}s, ${producer.accepted.length} accepted] ${line}\n`);

    producer.start({ ratePerSecond: RATE, lanes: 16 });
    const faults: FaultRecord[] = await runFaultSchedule(
      {
        processes,
        postgres,
        redis,
        http,
        producer,
        leaseMs: LEASE_MS,
        log,
        canary: async () => {
          const run = await canaries.createOne('sleep');
          if (!run) throw new Error(`the canary run was not accepted: ${canaries.unexpected.at(-1) ?? 'no 202 within 60 s'}`);
          const left = await drainOne(db, run.runId, 60_000);
          if (left !== 'completed') throw new Error(`the canary run ${run.runId} is ${left} after 60 s: the system did not recover`);
        },
      },
      FAULTS[backend],
      { gapMs: 4_000, seed: 7, until: () => producer.accepted.length >= RUNS },
    );
    await producer.stopCreating();
    const loadEnded = Date.now();
    log('load stopped; draining');
    const unfinished = await drain(db, projectId, DRAIN_MS);
    await producer.close();
    await canaries.close();

    const accepted = [...producer.accepted, ...canaries.accepted];
    const { counts, problems } = await verifyRuns(db, projectId, accepted);
    const notifications = await verifyNotifications(db, projectId, receiver, DRAIN_MS);
    const workflowPeak = await peakRunning(
      db,
      accepted.filter((run) => run.spec === 'workflow').map((run) => run.runId),
    );
    const report = {
      backend,
      runs: counts.accepted,
      lost: counts.lost,
      duplicated: counts.duplicated,
      invalid_transitions: counts.invalidTransitions,
      stuck: counts.stuck,
      wrong_outcome: counts.wrongOutcome,
      never_acknowledged: counts.unacknowledged,
      abandoned_by_producer: producer.abandoned.length + canaries.abandoned.length,
      by_status: counts.byStatus,
      workflow_peak_running: workflowPeak,
      resumes: producer.resumes,
      http_statuses: Object.fromEntries(http.statuses),
      answered_503: http.unavailable,
      connection_errors: http.networkErrors,
      bad_answers: http.bad.length,
      crashes: processes.crashes.length,
      process_start_ms: startStats(processes.startMs),
      load_average: loadavg().map((n) => Number(n.toFixed(1))),
      unexpected_refusals: producer.unexpected.length + canaries.unexpected.length,
      unfinished_at_drain_deadline: unfinished,
      faults: faults.map((fault) => ({
        kind: fault.kind,
        ms: fault.durationMs,
        probe_503: fault.probe503,
        recovery_ms: fault.recoveryMs,
        not_recovered: fault.notRecovered,
        detail: fault.detail,
      })),
      webhooks: notifications.report,
      load_seconds: Math.round((loadEnded - started) / 1000),
      wall_seconds: Math.round((Date.now() - started) / 1000),
    };
    process.stdout.write(`\nchaos report ${JSON.stringify(report, null, 2)}\n`);
    const details = [
      ...problems,
      ...http.bad.slice(0, 10).map((bad) => `${bad.what}: ${bad.method} ${bad.path} ${bad.status ?? ''} ${bad.detail}`),
      ...notifications.problems,
      ...processes.crashes.map((crash) => `crash of ${crash.name} (${crash.code ?? crash.signal}): ${crash.stderr.join('\n')}`),
      ...producer.unexpected.slice(0, 10),
      ...producer.abandoned.slice(0, 5).map((id) => `abandoned ${id}`),
    ];
    if (details.length > 0) process.stdout.write(`\nchaos problems:\n- ${details.join('\n- ')}\n${processes.tails()}\n`);

    expect(counts.accepted).toBeGreaterThanOrEqual(RUNS);
    expect({
      lost: counts.lost,
      duplicated: counts.duplicated,
      invalidTransitions: counts.invalidTransitions,
      stuck: counts.stuck,
      wrongOutcome: counts.wrongOutcome,
      badAnswers: http.bad.length,
      crashes: processes.crashes.length,
      unexpectedRefusals: report.unexpected_refusals,
      abandoned: report.abandoned_by_producer,
      notRecovered: faults.filter((fault) => fault.notRecovered !== undefined).length,
      workflowLimitExceeded: workflowPeak > WORKFLOW_LIMIT,
      runsNotNotifiedOnce: notifications.problems.length,
    }).toEqual({
      lost: 0,
      duplicated: 0,
      invalidTransitions: 0,
      stuck: 0,
      wrongOutcome: 0,
      badAnswers: 0,
      crashes: 0,
      unexpectedRefusals: 0,
      abandoned: 0,
      notRecovered: 0,
      workflowLimitExceeded: false,
      runsNotNotifiedOnce: 0,
    });
    // Every kind of fault ran, and the outages were seen and answered with 503s.
    expect(new Set(faults.map((fault) => fault.kind))).toEqual(new Set(FAULTS[backend]));
    // Every outage (Postgres or Redis down) was answered with 503s while it lasted.
    expect(faults.filter((fault) => fault.probe503 === 0).map((fault) => fault.kind)).toEqual([]);
  });
});

/**
 * Waits (up to `timeoutMs`) until every terminal run of the project has a verified 2xx delivery
 * at the receiver, then checks that each has exactly one webhook-id among its successful
 * deliveries. The same webhook-id delivered more than once (a retry after an answer that was
 * lost) counts once and is reported as a duplicate.
 */
async function verifyNotifications(db: Db, projectId: string, receiver: WebhookReceiver, timeoutMs: number) {
  const terminal = (
    await db.selectFrom('runs').select('id').where('project_id', '=', projectId).where('status', 'in', ['completed', 'failed', 'cancelled']).execute()
  ).map((row) => row.id);
  const successful = () => receiver.at('chaos').filter((entry) => entry.status < 300 && entry.failure === undefined);
  const notified = () => new Set(successful().map((entry) => entry.body.data.run_id as string));
  await receiver.until(() => terminal.every((id) => notified().has(id)), timeoutMs, 'a notification of every terminal run').catch(() => undefined);
  const idsByRun = new Map<string, Set<string>>();
  for (const entry of successful()) {
    const runId = entry.body.data.run_id as string;
    idsByRun.set(runId, (idsByRun.get(runId) ?? new Set()).add(entry.id));
  }
  const problems = [
    ...terminal.filter((id) => !idsByRun.has(id)).map((id) => `run ${id} was never notified`),
    ...[...idsByRun].filter(([, ids]) => ids.size !== 1).map(([runId, ids]) => `run ${runId} was notified under ${ids.size} webhook-ids`),
  ];
  const unverified = receiver.at('chaos').filter((entry) => entry.failure !== undefined).length;
  if (unverified > 0) problems.push(`${unverified} deliveries failed signature verification`);
  return {
    problems,
    report: {
      terminal_runs: terminal.length,
      notified_runs: idsByRun.size,
      requests: receiver.at('chaos').length,
      successful_requests: successful().length,
      duplicate_deliveries: successful().length - [...idsByRun.values()].reduce((sum, ids) => sum + ids.size, 0),
    },
  };
}

/** How long processes took to start (or restart): count, median and slowest. */
function startStats(ms: readonly number[]): { count: number; median_ms: number; max_ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { count: sorted.length, median_ms: sorted[Math.floor(sorted.length / 2)] ?? 0, max_ms: sorted.at(-1) ?? 0 };
}

/** Waits for one run to finish; returns its final (or last seen) status. */
async function drainOne(db: Db, runId: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom('runs')
      .select('status')
      .where('id', '=', runId)
      .executeTakeFirst()
      .catch(() => undefined);
    const status = row?.status ?? 'unknown';
    if (['completed', 'failed', 'cancelled'].includes(status) || Date.now() >= deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
