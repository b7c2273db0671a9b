import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OCCURRENCE_OUTCOMES, RUN_KINDS, TERMINAL_STATUSES, TRANSITIONS } from '@runq/runs';

/** The run-duration buckets: a no-op run takes milliseconds, real work minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];
/** Queue-wait buckets: pickup should be milliseconds; a backlog shows as seconds. */
const WAIT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Firing lateness buckets: a firer that is up fires within a second; downtime shows as minutes. */
const LATENESS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 3600];
/** HTTP request buckets. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The actions of `runq_reconciler_repairs_total`: pending and stalled runs re-dispatched, waits
 * expired, and runs taken over from worker processes that vanished. A worker exposes each from 0.
 */
export const RECONCILER_REPAIR_ACTIONS = ['redispatch_pending', 'redispatch_stalled', 'expire_wait', 'recover_dead_worker'] as const;

/** Every (from, to) pair of the transition table, as `runq_run_transitions_total` labels them. */
function knownMoves(): Array<{ from: string; to: string }> {
  const moves = new Map<string, { from: string; to: string }>();
  for (const rule of Object.values(TRANSITIONS)) {
    for (const from of rule.from) moves.set(`${from ?? 'new'}>${rule.to}`, { from: from ?? 'new', to: rule.to });
  }
  return [...moves.values()];
}

const KNOWN_MOVES = knownMoves();

/** A run as far as metrics care: its kind and the move it just made. */
export interface TransitionSample {
  kind: string;
  previous_status: string | null;
  status: string;
}

/**
 * The Prometheus metrics of one runq process (API or worker), on its own registry with the
 * process's default metrics. Names are stable: the dashboard and alert rules in `infra/` use
 * them.
 */
export class RunqMetrics {
  readonly registry = new Registry();
  readonly runsCreated = new Counter({
    name: 'runq_runs_created_total',
    help: 'Runs accepted by POST /runs (duplicates excluded).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly transitions = new Counter({
    name: 'runq_run_transitions_total',
    help: 'Run transitions applied, by kind and from/to status.',
    labelNames: ['kind', 'from', 'to'] as const,
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'runq_run_duration_seconds',
    help: 'From first start to the terminal status, by kind and outcome.',
    labelNames: ['kind', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: 'runq_run_queue_wait_seconds',
    help: 'From becoming pending to being claimed by a worker, by kind.',
    labelNames: ['kind'] as const,
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'runq_run_attempts_total',
    help: 'Attempts started by workers.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'runq_run_retries_total',
    help: 'Failed attempts that were scheduled for a retry.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly reconcilerRepairs = new Counter({
    name: 'runq_reconciler_repairs_total',
    help: 'Runs repaired by the reconciler, by action.',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'runq_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  /** The API initialises every `limit` it has at 0, so a rate of refusals exists before the first one. */
  readonly httpRateLimited = new Counter({
    name: 'runq_http_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit, by the limit that refused them.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly scheduleOccurrences = new Counter({
    name: 'runq_schedule_occurrences_total',
    help: 'Schedule occurrences recorded, by outcome (created, skipped_overlap, missed, expired).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly scheduleLateness = new Histogram({
    name: 'runq_schedule_firing_lateness_seconds',
    help: "From an occurrence's scheduled time to its firing (database clock).",
    buckets: LATENESS_BUCKETS,
    registers: [this.registry],
  });

  readonly webhookInboundDeliveries = new Counter({
    name: 'runq_webhook_inbound_deliveries_total',
    help: 'Inbound webhook deliveries to known endpoints, by outcome (accepted, duplicate, rejected).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  /** Outbound webhook attempts by outcome: `delivered`, `failed` (to be retried) and `given_up` (past the retry window). */
  readonly webhookDeliveries = new Counter({
    name: 'runq_webhook_deliveries_total',
    help: 'Outbound webhook attempts, by outcome (delivered, failed, given_up).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookLatency = new Histogram({
    name: 'runq_webhook_delivery_latency_seconds',
    help: 'From a run event to its delivery to a subscription (retries included).',
    buckets: LATENESS_BUCKETS,
    registers: [this.registry],
  });
  readonly batchItems = new Counter({
    name: 'runq_batch_items_total',
    help: 'Items of POST /batches, by what became of them (created, duplicate, rejected).',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly bulkActionRuns = new Counter({
    name: 'runq_bulk_action_runs_total',
    help: 'Runs processed by bulk actions, by action (cancel, replay) and outcome (succeeded, failed).',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { service: string }) {
    this.registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: this.registry });
    this.initialiseKnownLabels();
    for (const outcome of OCCURRENCE_OUTCOMES) this.scheduleOccurrences.labels(outcome).inc(0);
    for (const outcome of ['accepted', 'duplicate', 'rejected']) this.webhookInboundDeliveries.labels(outcome).inc(0);
    for (const outcome of ['delivered', 'failed', 'given_up']) this.webhookDeliveries.labels(outcome).inc(0);
    for (const status of ['created', 'duplicate', 'rejected']) this.batchItems.labels(status).inc(0);
    for (const action of ['cancel', 'replay']) for (const outcome of ['succeeded', 'failed']) this.bulkActionRuns.labels(action, outcome).inc(0);
  }

  /**
   * Exposes every known label set of the run metrics at 0 from the start, so that a rate or an
   * alert on a kind or an outcome has a series before its first run (Prometheus
   * instrumentation guidelines: avoid missing metrics). Known values: every run kind, every
   * move of the transition table (`new` for a run that had no status), every terminal status.
   */
  private initialiseKnownLabels(): void {
    for (const kind of RUN_KINDS) {
      this.runsCreated.labels(kind).inc(0);
      this.attempts.labels(kind).inc(0);
      this.retries.labels(kind).inc(0);
      this.queueWait.zero({ kind });
      for (const status of TERMINAL_STATUSES) this.runDuration.zero({ kind, status });
      for (const move of KNOWN_MOVES) this.transitions.labels(kind, move.from, move.to).inc(0);
    }
  }

  /** Counts an occurrence by outcome; a scheduled one (not triggered) also observes how late it fired. */
  observeOccurrence(outcome: string, latenessMs: number | undefined): void {
    this.scheduleOccurrences.inc({ outcome });
    if (latenessMs !== undefined && outcome !== 'missed') this.scheduleLateness.observe(Math.max(0, latenessMs) / 1000);
  }

  /** Counts a transition (and, for terminal ones, nothing else: durations are observed where known). */
  observeTransition(run: TransitionSample): void {
    this.transitions.inc({ kind: run.kind, from: run.previous_status ?? 'new', to: run.status });
  }

  /**
   * A gauge whose values are read when Prometheus scrapes (queue depth, runs by status).
   * `collect` returns the samples; a failing read leaves the gauge empty for that scrape.
   */
  addCollectedGauge<L extends string>(options: {
    name: string;
    help: string;
    labelNames: readonly L[];
    collect: () => Promise<Array<{ labels: Record<L, string>; value: number }>>;
  }): void {
    const { collect } = options;
    if (this.registry.getSingleMetric(options.name)) return;
    new Gauge<L>({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const sample of await collect()) this.set(sample.labels as never, sample.value);
        } catch {
          // A dependency is down: the scrape still answers, without these samples.
        }
      },
    });
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
