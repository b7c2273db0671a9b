import { randomUUID } from 'node:crypto';
import { SeededRandom } from '../../support/body-mutations.js';
import { retryDelayMs, type Answer, type HttpObserver } from './http-observer.js';

/** The kinds of run the producer creates, each with a known final state. */
export type RunSpecKind = 'sleep' | 'workflow' | 'flaky' | 'doomed' | 'waiter' | 'cancelled' | 'slowpoke';

/** How the producer's cancel of a run ended. */
export type CancelOutcome = 'cancelled' | 'refused' | 'ambiguous' | 'not_sent';

/** A run the API accepted (answered 202 for). */
export interface AcceptedRun {
  runId: string;
  publicId: string;
  spec: RunSpecKind;
  /** For `cancelled` runs: what the cancel request got. */
  cancel?: CancelOutcome;
  /** For `waiter` runs: the data it was resumed with (its output must echo it). */
  resumedWith?: unknown;
}

/** The statuses a run of `spec` may end in, given what the producer saw. */
export function expectedStatuses(run: AcceptedRun): string[] {
  switch (run.spec) {
    case 'sleep':
    case 'workflow':
    case 'flaky':
    case 'waiter':
      return ['completed'];
    case 'doomed':
    case 'slowpoke':
      return ['failed'];
    case 'cancelled':
      // 200: cancelled. 409 at the first try: it had already completed. A 409 after a request
      // whose answer was lost (an instance killed mid-request): either.
      if (run.cancel === 'cancelled') return ['cancelled'];
      if (run.cancel === 'refused') return ['completed'];
      return ['cancelled', 'completed'];
  }
}

/** Draws the mix: short tasks and workflows, retries that succeed, failures, waits, cancels and timeouts. */
function pickSpec(random: SeededRandom): RunSpecKind {
  const roll = random.next();
  if (roll < 0.3) return 'sleep';
  if (roll < 0.45) return 'workflow';
  if (roll < 0.6) return 'flaky';
  if (roll < 0.7) return 'doomed';
  if (roll < 0.85) return 'waiter';
  if (roll < 0.95) return 'cancelled';
  return 'slowpoke';
}

function bodyOf(spec: RunSpecKind, projectId: string, publicId: string, random: SeededRandom): Record<string, unknown> {
  const owner = { kind: 'project', id: projectId };
  const ms = 5 + random.int(150);
  switch (spec) {
    case 'sleep':
      return { kind: 'task', owner, public_id: publicId, request: { target: 'sleep', config: { ms } } };
    case 'cancelled':
      return { kind: 'task', owner, public_id: publicId, request: { target: 'sleep', config: { ms: 1_500 + random.int(2_000) } } };
    case 'workflow':
      return { kind: 'workflow', owner, public_id: publicId, request: { workflow_id: `wf-${random.int(5)}`, target: 'main', input: { ms } } };
    case 'flaky': {
      const failures = 1 + random.int(2);
      return { kind: 'task', owner, public_id: publicId, request: { target: 'flaky', backoff_limit: failures, config: { ms, failures } } };
    }
    case 'doomed':
      return { kind: 'eval', owner, public_id: publicId, request: { target: 'doomed', config: { ms } } };
    case 'waiter':
      return { kind: 'agent', owner, public_id: publicId, request: { mode: 'agent', agent_id: 'waiter', implementation_kind: 'chaos' } };
    case 'slowpoke':
      return { kind: 'task', owner, public_id: publicId, request: { target: 'slowpoke', timeout_seconds: 1, config: { ms: 30_000 } } };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The steady producer of the chaos suite: creates runs of a mixed kind at `ratePerSecond`
 * through the API, each with its own `public_id` so that a request whose answer was lost (an
 * instance killed, an outage) is retried safely until it gets its 202; cancels some shortly
 * after creating them; and resumes every run that waits. Records every accepted run with what
 * it must end as.
 */
export class LoadProducer {
  readonly accepted: AcceptedRun[] = [];
  /** Runs the producer gave up on (never got a 202 before its deadline); each is a failure of the run. */
  readonly abandoned: string[] = [];
  /** Requests refused with a 4xx the producer did not expect. */
  readonly unexpected: string[] = [];
  resumes = 0;
  private readonly random: SeededRandom;
  private stopping = false;
  private resumerStopped = false;
  private readonly lanes: Promise<void>[] = [];
  private readonly cancels: Promise<void>[] = [];
  private resumer: Promise<void> | undefined;
  private readonly byRunId = new Map<string, AcceptedRun>();

  constructor(
    private readonly http: HttpObserver,
    private readonly projectId: string,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
  }

  /** Starts `lanes` creators sharing `ratePerSecond`, and the resumer. */
  start(options: { ratePerSecond: number; lanes: number }): void {
    const interval = 1000 / options.ratePerSecond;
    let nextAt = Date.now();
    // A steady rate: slots missed while the API was away are not made up in a burst.
    const slot = () => {
      const at = Math.max(nextAt, Date.now() - interval);
      nextAt = at + interval;
      return at;
    };
    for (let lane = 0; lane < options.lanes; lane += 1) {
      this.lanes.push(
        (async () => {
          while (!this.stopping) {
            const at = slot();
            if (at > Date.now()) await sleep(at - Date.now());
            if (this.stopping) return;
            await this.createOne();
          }
        })(),
      );
    }
    this.resumer = this.resumeLoop();
  }

  /** Stops creating runs (and waits for the creators); the resumer keeps going until {@link close}. */
  async stopCreating(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.lanes);
    await Promise.all(this.cancels);
  }

  /** Stops the resumer too. */
  async close(): Promise<void> {
    this.stopping = true;
    this.resumerStopped = true;
    await Promise.all([...this.lanes, ...this.cancels, this.resumer]);
  }

  /** Creates one run of a freshly drawn kind (and cancels it later if its kind says so). */
  async createOne(spec: RunSpecKind = pickSpec(this.random)): Promise<AcceptedRun | undefined> {
    const publicId = `chaos-${randomUUID()}`;
    const body = bodyOf(spec, this.projectId, publicId, this.random);
    const answer = await this.untilAnswered('POST', '/runs', body, (status) => status === 202, 60_000);
    if (!answer) {
      this.abandoned.push(publicId);
      return undefined;
    }
    const run: AcceptedRun = { runId: answer.body.run.run_id, publicId, spec };
    this.accepted.push(run);
    this.byRunId.set(run.runId, run);
    if (spec === 'cancelled') {
      run.cancel = 'not_sent';
      this.cancels.push(this.cancelLater(run, 200 + this.random.int(800)));
    }
    return run;
  }

  private async cancelLater(run: AcceptedRun, delayMs: number): Promise<void> {
    await sleep(delayMs);
    let lostAnswer = false;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const answer = await this.http.send('POST', `/runs/${run.runId}/cancel`);
      if (answer?.status === 200) {
        run.cancel = 'cancelled';
        return;
      }
      if (answer?.status === 409) {
        run.cancel = lostAnswer ? 'ambiguous' : 'refused';
        return;
      }
      if (!answer || answer.status >= 500) lostAnswer = true;
      else if (answer.status !== 429) {
        this.unexpected.push(`cancel ${run.runId}: ${answer.status} ${JSON.stringify(answer.body)}`);
        return;
      }
      await sleep(retryDelayMs(answer));
    }
    run.cancel = 'ambiguous';
  }

  /** Every 250 ms, resumes the runs that wait (pages through `GET /runs?status=waiting`). */
  private async resumeLoop(): Promise<void> {
    while (!this.resumerStopped) {
      let cursor: string | null = null;
      do {
        const answer: Answer | undefined = await this.http.send('GET', `/runs?status=waiting&kind=agent&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        if (answer?.status !== 200) break;
        await Promise.all(
          (answer.body.data as { run_id: string }[]).map(async ({ run_id: runId }) => {
            const data = { approved_run: runId };
            const resumed = await this.http.send('POST', `/runs/${runId}/resume`, { data });
            if (resumed?.status === 200) {
              this.resumes += 1;
              const run = this.byRunId.get(runId);
              if (run) run.resumedWith = data;
            } else if (resumed && resumed.status < 500 && resumed.status !== 409 && resumed.status !== 429) {
              this.unexpected.push(`resume ${runId}: ${resumed.status} ${JSON.stringify(resumed.body)}`);
            }
          }),
        );
        cursor = answer.body.next_cursor;
      } while (cursor && !this.resumerStopped);
      await sleep(250);
    }
  }

  /** Sends until `done(status)` (retrying outages, throttling and lost answers) or the deadline. */
  private async untilAnswered(method: string, path: string, body: unknown, done: (status: number) => boolean, timeoutMs: number): Promise<Answer | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const answer = await this.http.send(method, path, body);
      if (answer && done(answer.status)) return answer;
      if (answer && answer.status < 500 && answer.status !== 429) {
        this.unexpected.push(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        return undefined;
      }
      await sleep(retryDelayMs(answer));
    }
    return undefined;
  }
}
