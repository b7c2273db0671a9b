import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RowBuilder, withCpu, type Lab } from '../lab.js';
import { LoadClient } from '../load/load-client.js';
import type { ProducerSpec } from '../load/protocol.js';
import type { Section } from '../report/results.js';
import type { RunqDeployment } from '../systems/runq-deployment.js';

/** The most the receiver waits for the last notifications after the last run completed. */
const NOTIFY_TIMEOUT_MS = 120_000;

/** A receiver that answers 200 at once and counts distinct `webhook-id`s, remembering when the last new one came. */
class CountingReceiver {
  readonly ids = new Set<string>();
  lastAt = 0;
  private waiter: { count: number; resolve: () => void } | undefined;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<CountingReceiver> {
    const holder: { receiver?: CountingReceiver } = {};
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        holder.receiver?.record(String(request.headers['webhook-id']));
        response.writeHead(200).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.receiver = new CountingReceiver(server);
    return holder.receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  reset(): void {
    this.ids.clear();
    this.lastAt = 0;
  }

  /** Resolves once `count` distinct ids arrived, or after `timeoutMs`. */
  async until(count: number, timeoutMs: number): Promise<void> {
    if (this.ids.size >= count) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.lastAt = Date.now();
    if (this.waiter && this.ids.size >= this.waiter.count) this.waiter.resolve();
  }
}

/**
 * End to end with and without outbound webhooks: N runs created over HTTP while a worker runs,
 * first with the outbox trigger disabled (the write path without webhooks), then with it and no
 * subscription (the cost every deployment pays), then with one subscription to every `run.completed` (a receiver in
 * the bench process that answers 200 at once). Rates: runs completed per second (N ÷ (last
 * completed_at − first request)) and, with the subscription, runs notified per second (N ÷ (last
 * new webhook-id received − first request)). The ratio notified ÷ plain is the figure
 * (at least 0.85).
 */
export async function measureWebhookEndToEnd(lab: Lab, deployment: RunqDeployment, sectionId: string, title: string): Promise<Section> {
  const { settings } = lab;
  const runs = settings.e2eRuns;
  const untriggered = new RowBuilder('runq-no-outbox', 'runq: create over HTTP while draining, outbox trigger disabled');
  const plain = new RowBuilder('runq', 'runq: create over HTTP while draining, no subscription');
  const rates = new Map<string, number>();
  const notified = new RowBuilder('runq-webhooks', 'runq: the same with one subscription to run.completed');
  const spec: ProducerSpec = { kind: 'runq-http', baseUrl: deployment.apiUrl, apiKey: deployment.apiKey, projectId: deployment.projectId };
  const client = await LoadClient.open('load runq webhooks', spec);
  const receiver = await CountingReceiver.start();
  const roles = () => ({ ...deployment.pids(), load: [client.pid] });
  const headers = { authorization: `Bearer ${deployment.apiKey}`, 'content-type': 'application/json' };
  let statements: Section['statements'];
  await deployment.startWorker(settings.workerConcurrency);
  try {
    for (let rep = 1; rep <= settings.reps; rep += 1) {
      // Without the outbox trigger (the write path before webhooks), then with it and no subscription.
      for (const [row, trigger] of [
        [untriggered, 'disable'],
        [plain, 'enable'],
      ] as const) {
        await lab.servers.withClient(deployment.target.databaseUrl, (pg) => pg.query(`alter table run_events ${trigger} trigger run_events_webhook_outbox`));
        await deployment.reset({ queue: false });
        const measured = await withCpu(roles(), async () => {
          const made = await client.run({ mode: 'count', concurrency: settings.concurrency, total: runs });
          const finished = await deployment.waitFinished(made.ok, Math.max(120_000, runs * 10));
          return { made, finished };
        });
        const times = await deployment.runTimes();
        const rate = (measured.value.finished.completed / (Math.max(...times.map((t) => t.completed)) - measured.value.made.startedAt)) * 1000;
        row.add('rate', 'runs/s', 'higher', rate).cpu(measured.cpu, measured.value.finished.completed);
        rates.set(trigger, rate);
      }
      const plainRate = rates.get('enable') ?? Number.NaN;

      const subscription = (await deployment.request('POST', '/webhook-subscriptions', { url: receiver.url, events: ['run.completed'] }, [201])) as {
        id: string;
      };
      try {
        await deployment.reset({ queue: false });
        receiver.reset();
        await lab.statements.reset();
        const withHook = await withCpu(roles(), async () => {
          const made = await client.run({ mode: 'count', concurrency: settings.concurrency, total: runs });
          const finished = await deployment.waitFinished(made.ok, Math.max(120_000, runs * 10));
          await receiver.until(finished.completed, NOTIFY_TIMEOUT_MS);
          return { made, finished };
        });
        statements = await lab.statements.top([deployment.name]);
        const times = await deployment.runTimes();
        const start = withHook.value.made.startedAt;
        const completedRate = (withHook.value.finished.completed / (Math.max(...times.map((t) => t.completed)) - start)) * 1000;
        const notifiedRate = (receiver.ids.size / (receiver.lastAt - start)) * 1000;
        notified
          .add('rate', 'runs/s', 'higher', completedRate)
          .add('notified_rate', 'runs/s', 'higher', notifiedRate)
          .add('ratio', '×', 'higher', notifiedRate / plainRate)
          .cpu(withHook.cpu, withHook.value.finished.completed);
        if (receiver.ids.size < withHook.value.finished.completed)
          notified.note(`${withHook.value.finished.completed - receiver.ids.size} runs were not notified`);
        lab.log(
          `  ${deployment.name} rep ${rep}: trigger disabled ${Math.round(rates.get('disable') ?? Number.NaN)}/s; no subscription ${Math.round(plainRate)}/s; with a subscription ${Math.round(completedRate)}/s completed, ${Math.round(notifiedRate)}/s notified (${(notifiedRate / plainRate).toFixed(2)}×)`,
        );
      } finally {
        await fetch(`${deployment.apiUrl}/webhook-subscriptions/${subscription.id}`, { method: 'DELETE', headers });
      }
    }
  } finally {
    await client.close();
    await receiver.close();
  }
  return {
    id: sectionId,
    title,
    description: `${runs} no-op task runs per repetition, created over HTTP by ${settings.concurrency} clients while one \`runq worker --concurrency ${settings.workerConcurrency}\` runs; with a subscription, the worker also POSTs every run.completed to a receiver on loopback. ratio = notified/s with the subscription ÷ completed/s without one (target ≥ 0.85); the first row is the same load with the outbox trigger disabled.`,
    columns: [
      { metric: 'rate', header: 'completed/s', digits: 0 },
      { metric: 'notified_rate', header: 'notified/s', digits: 0 },
      { metric: 'ratio', header: 'ratio', digits: 2 },
    ],
    rows: [untriggered.build(), plain.build(), notified.build()],
    comparisons: [],
    ...(statements === undefined ? {} : { statements }),
  };
}
