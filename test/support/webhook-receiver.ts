import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyDelivery } from '@runq/webhooks';

/** One request the receiver got, as it came and as it checked it. */
export interface ReceivedWebhook {
  /** The URL path it was sent to. */
  path: string;
  id: string;
  timestamp: number;
  /** What the receiver answered. */
  status: number;
  /** The signature check with the subscription's secret: undefined when it passed, else why not. */
  failure: string | undefined;
  body: { type: string; created_at: string; data: any };
  raw: string;
  at: number;
}

/** Answers each request: the status to send back. */
export type WebhookResponder = (request: { id: string; body: ReceivedWebhook['body']; count: number }) => number;

/**
 * An HTTP receiver on 127.0.0.1 for outbound webhooks: it verifies every request with
 * `verifyDelivery` against the secrets it is given (by URL path), answers with what the
 * responder says (200 unless told otherwise), records everything, and lets a test await a
 * condition on what arrived (checked on each arrival, no polling).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly responders = new Map<string, WebhookResponder>();
  private readonly waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const ready: { receiver?: WebhookReceiver } = {};
    const server = createServer((request, response) => {
      (ready.receiver as WebhookReceiver).handle(request).then(
        // A redirect points at /redirected: a test can check that nothing follows it.
        (status) =>
          response
            .writeHead(status, {
              'content-type': 'text/plain',
              ...(status >= 300 && status < 400 ? { location: `${ready.receiver?.baseUrl}/redirected` } : {}),
            })
            .end(status < 300 ? 'ok' : 'no'),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ready.receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return ready.receiver;
  }

  /** The URL of a path whose requests are checked against `secret` (set once the subscription exists). */
  url(path: string): string {
    return `${this.baseUrl}/${path}`;
  }

  /** Checks requests to `path` against `secret`. */
  setSecret(path: string, secret: string): void {
    this.secrets.set(`/${path}`, secret);
  }

  /** Answers requests to `path` with what `responder` says. */
  respond(path: string, responder: WebhookResponder): void {
    this.responders.set(`/${path}`, responder);
  }

  /** What arrived at `path`. */
  at(path: string): ReceivedWebhook[] {
    return this.received.filter((entry) => entry.path === `/${path}`);
  }

  /** Resolves once `condition` holds (checked now and on every arrival); rejects after `timeoutMs`. */
  async until(condition: () => boolean, timeoutMs = 20_000, what = 'the expected deliveries'): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what} did not arrive within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((r) => [r.body.type, r.status]))}`)),
        timeoutMs,
      );
      this.waiters.push({
        check: condition,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const secret = this.secrets.get(path);
    const failure = secret ? verifyDelivery([secret], request.headers, raw, Math.floor(Date.now() / 1000)) : 'no secret';
    const body = JSON.parse(raw) as ReceivedWebhook['body'];
    const id = String(request.headers['webhook-id']);
    const count = this.received.filter((entry) => entry.id === id).length + 1;
    const status = this.responders.get(path)?.({ id, body, count }) ?? 200;
    this.received.push({ path, id, timestamp: Number(request.headers['webhook-timestamp']), status, failure, body, raw, at: Date.now() });
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.check()) waiter.resolve();
      else this.waiters.push(waiter);
    }
    return status;
  }
}
