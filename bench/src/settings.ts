import { parseArgs } from 'node:util';
import type { PeerSettings } from './systems/peers.js';
import type { QueueBackendKind } from './systems/runq-deployment.js';

/** Scenarios, in the order they run. */
export const SCENARIOS = ['ingest', 'e2e', 'latency', 'flow', 'fairness', 'schedules', 'webhooks', 'batches', 'reads'] as const;
/** Scenarios that run only when named with --only. */
export const OPTIONAL_SCENARIOS = ['whatif', 'cluster'] as const;
export type Scenario = (typeof SCENARIOS)[number] | (typeof OPTIONAL_SCENARIOS)[number];

/** Everything that shapes a run; printed with the results. */
export interface Settings {
  mode: 'full' | 'quick';
  /** Repetitions of every measurement; figures are their median. */
  reps: number;
  scenarios: Scenario[];
  backends: QueueBackendKind[];
  /** Concurrent producers in the ingest and end-to-end scenarios. */
  concurrency: number;
  ingestWarmupMs: number;
  ingestMs: number;
  /** Runs (jobs) created and drained per repetition of the end-to-end scenario. */
  e2eRuns: number;
  /** Open-loop rates of the latency scenario, per second. */
  latencyRates: number[];
  latencyWarmupMs: number;
  latencyMs: number;
  /**
   * How long to wait, after the producer stops, for the last runs to start and finish. A system
   * that cannot keep up is not waited for: runs still unfinished then count with their latency
   * so far (a lower bound) and the row says how many there were.
   */
  latencySettleMs: number;
  /** Runs in the table for the reads scenario. */
  readsRows: number;
  readsMs: number;
  readsConcurrency: number;
  /** `runq worker --concurrency`. */
  workerConcurrency: number;
  /** runq's LOG_LEVEL (info, the production default; output goes to /dev/null unless --logs). */
  logLevel: string;
  /** Run runq's processes with --cpu-prof and summarise the profiles. */
  profile: boolean;
  /** Keep runq's process logs under results/logs. */
  logs: boolean;
  peers: PeerSettings;
}

const USAGE = `usage: npm run bench -- [--quick] [--reps N] [--only ingest,e2e,latency,flow,fairness,schedules,webhooks,batches,reads,whatif,cluster] [--backends redis,postgres]
                          [--profile] [--logs] [--log-level LEVEL]

  --quick       every scenario with smaller counts and one repetition (a few minutes)
  --reps N      repetitions per measurement (default 3; 1 with --quick)
  --only LIST   run only these scenarios (whatif, the PostgreSQL-only experiments, and cluster, 1 and 3 Redis Cluster masters, run only when named)
  --backends    runq queue backends to measure (default both)
  --profile     run runq's API and workers with --cpu-prof; summarise where their CPU went
  --logs        keep runq's JSON logs under bench/results/logs
  --log-level   runq's LOG_LEVEL (default info, as in production)`;

/** Reads the command line. Throws with the usage text on a bad flag. */
export function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      only: { type: 'string' },
      backends: { type: 'string' },
      profile: { type: 'boolean', default: false },
      logs: { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new Error(USAGE);
  const quick = values.quick === true;
  const reps = values.reps === undefined ? (quick ? 1 : 3) : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new Error(`--reps must be an integer from 1 to 20\n${USAGE}`);
  const scenarios = values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((name) => name.trim());
  const unknown = scenarios.find((name) => ![...SCENARIOS, ...OPTIONAL_SCENARIOS].includes(name as Scenario));
  if (unknown !== undefined) throw new Error(`unknown scenario ${unknown}\n${USAGE}`);
  const backends = values.backends === undefined ? ['redis', 'postgres'] : values.backends.split(',').map((name) => name.trim());
  const badBackend = backends.find((name) => name !== 'redis' && name !== 'postgres');
  if (badBackend !== undefined) throw new Error(`unknown backend ${badBackend}\n${USAGE}`);
  return {
    mode: quick ? 'quick' : 'full',
    reps,
    scenarios: scenarios as Scenario[],
    backends: backends as QueueBackendKind[],
    concurrency: 64,
    ingestWarmupMs: quick ? 500 : 2_000,
    ingestMs: quick ? 1_500 : 6_000,
    e2eRuns: quick ? 500 : 20_000,
    latencyRates: [300, 1_000],
    latencyWarmupMs: quick ? 300 : 1_000,
    latencyMs: quick ? 1_000 : 6_000,
    latencySettleMs: quick ? 2_500 : 30_000,
    readsRows: quick ? 20_000 : 1_000_000,
    readsMs: quick ? 400 : 3_000,
    readsConcurrency: 4,
    workerConcurrency: 50,
    logLevel: values['log-level'] ?? 'info',
    profile: values.profile === true,
    logs: values.logs === true,
    peers: {
      bullmqConcurrency: 50,
      graphileConcurrency: 10,
      pgboss: { workers: 10, batchSize: 100, pollingIntervalSeconds: 0.5 },
    },
  };
}
