import pg from 'pg';
import type { Logger } from '@runq/config';
import { listenForCancelledRuns, listenForScheduleChanges } from '@runq/db';
import type { ActiveAttempts } from './active-attempts.js';

/**
 * Listens for cancellations (Postgres `NOTIFY`, sent with the cancelling transaction) and aborts the attempt if this process runs it, so
 * a handler on any machine sees `ctx.signal` fire within milliseconds. The connection is
 * re-established after failures; while it is down, lease renewal (every third of a lease)
 * still notices the cancellation.
 */
export class CancellationListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly attempts: ActiveAttempts,
    private readonly log: Logger,
    /** Called when a schedule changes (the same session listens for it). */
    private readonly onSchedulesChanged?: () => void,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'runq-worker-listen' });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.log.warn({ err }, 'cancellation listener lost its connection; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await listenForCancelledRuns(client, (runId) => {
      if (this.attempts.abort(runId, 'cancelled')) this.log.info({ runId }, 'run cancelled; attempt aborted');
    });
    const onSchedulesChanged = this.onSchedulesChanged;
    if (onSchedulesChanged) await listenForScheduleChanges(client, onSchedulesChanged);
    if (this.stopped) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private scheduleReconnect(): void {
    this.client = undefined;
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch((err: unknown) => {
        this.log.warn({ err }, 'cancellation listener could not reconnect; retrying');
        this.scheduleReconnect();
      });
    }, 1_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
