import type { KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Agent } from 'undici';
import type { Logger } from '@runq/config';
import {
  deliverDueWebhooks,
  disableWebhookSubscriptions,
  findRunEnvelopesByIds,
  findWebhookSubscriptionsByIds,
  type ClaimedWebhookDelivery,
  type Db,
  type RunListRow,
  type WebhookAttemptOutcome,
  type WebhookSubscriptionRow,
} from '@runq/db';
import type { RunqMetrics } from '@runq/metrics';
import { toRunEnvelope } from '@runq/runs';
import { SecretBox, checkedLookup, isRefusedAddress, parseDestinationUrl, retryDelayMs, signedHeaders, signingKey } from '@runq/webhooks';
import type { WebhookDeliveryConfig } from './config.js';

/** Deliveries claimed per pass: a pass sends them side by side. */
const CLAIM_BATCH = 128;
/** The longest an idle deliverer waits before it looks for due deliveries again. */
const IDLE_SLEEP_MS = 200;
/** A pass's transaction may sit idle this long past its attempts' timeout before Postgres ends it (a stalled deliverer). */
const LOCK_MARGIN_MS = 30_000;
/** The most of a receiver's answer kept as a delivery's error. */
const ERROR_TEXT_CHARS = 200;
/** The most subscriptions' destinations kept; past it the cache starts over. */
const DESTINATION_CACHE_SIZE = 1_000;

/** What every delivery of a subscription needs: its secret's signing key and its URL, parsed. */
interface Destination {
  key: KeyObject;
  url: URL;
}

/** What a deliverer works with. */
export interface WebhookDelivererOptions {
  db: Db;
  log: Logger;
  config: Readonly<WebhookDeliveryConfig>;
  secretsKey: string;
  allowPrivate: boolean;
  metrics?: RunqMetrics | undefined;
}

/**
 * Delivers the outbox (`webhook_deliveries`): claims due deliveries in batches, POSTs each event
 * signed with its subscription's secret (the delivery id is the `webhook-id` of every attempt),
 * and records what happened: a 2xx delivers it; anything else (a redirect included, since none is
 * followed), a refused destination or a timeout retries it on the backoff schedule, until the
 * retry window has passed; then its subscription is disabled, with the reason. Sockets connect
 * only to addresses checked at connection time (docs/decisions/0021-outbound-webhooks.md).
 */
export class WebhookDeliverer {
  private readonly box: SecretBox;
  private readonly agent: Agent;
  /** Destinations by sealed secret and URL: a subscription's secret is opened and its URL parsed once, not per delivery. */
  private readonly destinations = new Map<string, Destination>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: WebhookDelivererOptions) {
    this.box = new SecretBox(options.secretsKey);
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 16, connect: { lookup: checkedLookup(options.allowPrivate) } });
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.agent.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().then((claimed) => {
        this.running = undefined;
        this.schedule(claimed >= CLAIM_BATCH ? 0 : IDLE_SLEEP_MS);
      });
    }, ms);
    this.timer.unref();
  }

  /** One pass: claims a batch, delivers it, records the outcomes. Resolves with the number claimed. */
  async pass(): Promise<number> {
    const { db, log, config } = this.options;
    try {
      const { claimed, outcomes, givenUp } = await deliverDueWebhooks(db, CLAIM_BATCH, config.timeoutMs + LOCK_MARGIN_MS, (due) => this.deliver(due));
      if (claimed.length === 0) return 0;
      this.count(claimed, outcomes, givenUp.length);
      const disabled = await disableWebhookSubscriptions(
        db,
        [...new Set(givenUp.map((delivery) => delivery.subscription_id))],
        `deliveries failed for ${Math.round(config.retryWindowMs / 1000)} s; last error: ${givenUp.at(-1)?.last_error ?? 'unknown'}`,
      );
      for (const id of disabled) log.warn({ subscriptionId: id }, 'webhook subscription disabled: its deliveries failed for the whole retry window');
      return claimed.length;
    } catch (err) {
      log.warn({ err }, 'delivering webhooks failed');
      return 0;
    }
  }

  /** Attempts every claimed delivery side by side; resolves with their outcomes, in order. */
  private async deliver(claimed: readonly ClaimedWebhookDelivery[]): Promise<WebhookAttemptOutcome[]> {
    const { db, config } = this.options;
    const [subscriptions, runs] = await Promise.all([
      findWebhookSubscriptionsByIds(db, [...new Set(claimed.map((delivery) => delivery.subscription_id))]),
      findRunEnvelopesByIds(db, [...new Set(claimed.map((delivery) => delivery.run_id))]),
    ]);
    const subscriptionById = new Map(subscriptions.map((subscription) => [subscription.id, subscription]));
    const runById = new Map(runs.map((run) => [run.id, run]));
    // The attempts of a pass start together, so one deadline bounds them all.
    const deadline = AbortSignal.timeout(config.timeoutMs);
    setMaxListeners(claimed.length + 1, deadline);
    return Promise.all(
      claimed.map((delivery) => this.attempt(delivery, subscriptionById.get(delivery.subscription_id), runById.get(delivery.run_id), deadline)),
    );
  }

  private count(claimed: readonly ClaimedWebhookDelivery[], outcomes: readonly WebhookAttemptOutcome[], givenUp: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    outcomes.forEach((outcome, index) => {
      if (outcome.error === null) {
        metrics.webhookDeliveries.inc({ outcome: 'delivered' });
        const created = claimed[index]?.created_at;
        if (created) metrics.webhookLatency.observe((Date.now() - created.getTime()) / 1000);
      } else {
        metrics.webhookDeliveries.inc({ outcome: 'failed' });
      }
    });
    if (givenUp > 0) metrics.webhookDeliveries.inc({ outcome: 'given_up' }, givenUp);
  }

  /** The destination of `subscription` (its URL checked: see `parseDestinationUrl`). */
  private destinationOf(subscription: WebhookSubscriptionRow): Destination {
    const cacheKey = `${subscription.secret_sealed} ${subscription.url}`;
    let destination = this.destinations.get(cacheKey);
    if (destination === undefined) {
      const url = parseDestinationUrl(subscription.url);
      if (this.destinations.size >= DESTINATION_CACHE_SIZE) this.destinations.clear();
      destination = { key: signingKey(this.box.open(subscription.secret_sealed)), url };
      this.destinations.set(cacheKey, destination);
    }
    return destination;
  }

  /** One attempt at `delivery`; never throws. */
  private async attempt(
    delivery: ClaimedWebhookDelivery,
    subscription: WebhookSubscriptionRow | undefined,
    run: RunListRow | undefined,
    deadline: AbortSignal,
  ): Promise<WebhookAttemptOutcome> {
    const { config } = this.options;
    const started = performance.now();
    const outcome = (statusCode: number | null, error: string | null): WebhookAttemptOutcome => ({
      id: delivery.id,
      attempt: delivery.attempts,
      statusCode,
      durationMs: performance.now() - started,
      error,
      retryInMs: retryDelayMs(delivery.attempts, config.retryBaseMs),
      windowMs: config.retryWindowMs,
    });
    if (!subscription) return outcome(null, 'subscription deleted');
    // Claimed after a redelivery while disabled: the failure holds it until the subscription is enabled.
    if (!subscription.enabled) return outcome(null, 'subscription disabled');
    if (!run) return outcome(null, 'run deleted');
    try {
      const { key, url } = this.destinationOf(subscription);
      // A literal address needs no lookup, so the socket's checked lookup would not see it.
      if (!this.options.allowPrivate && /^[\d.[\]:a-f]+$/i.test(url.hostname) && isRefusedAddress(url.hostname)) {
        return outcome(null, `destination refused: ${url.hostname} is a loopback, private, link-local or reserved address`);
      }
      const body = JSON.stringify({ type: delivery.type, created_at: delivery.created_at.toISOString(), data: toRunEnvelope(run) });
      const headers = signedHeaders(key, delivery.id, Math.floor(Date.now() / 1000), body);
      // undici's request, not fetch: no redirect is followed (a 3xx is a failure like any other
      // non-2xx) and it costs less CPU per request (docs/decisions/0021-outbound-webhooks.md).
      const response = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'runq-webhooks' },
        body,
        signal: deadline,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) {
        await response.body.dump().catch(() => undefined);
        return outcome(response.statusCode, null);
      }
      const text = await response.body.text().catch(() => '');
      return outcome(response.statusCode, `answered ${response.statusCode}${text ? `: ${text.slice(0, ERROR_TEXT_CHARS)}` : ''}`);
    } catch (error) {
      return outcome(null, describeFailure(error, config.timeoutMs));
    }
  }
}

/** A delivery failure in a line: a timeout, a refused destination, or the network error. */
function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = err.cause;
  // The checked lookup's refusal reaches here wrapped by the connection, or as it was thrown.
  if (err.code === 'destination_refused') return `destination refused: ${err.message ?? ''}`;
  if (cause?.code === 'destination_refused') return `destination refused: ${cause.message ?? ''}`;
  return `${err.message ?? 'request failed'}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ''}`.slice(0, ERROR_TEXT_CHARS);
}
