import { parseArgs } from 'node:util';
import type { WebhookDelivery, WebhookSubscription, WebhookSubscriptionBody } from '@runq/client';
import type { Env } from '@runq/config';
import { UsageError } from '../cli-error.js';
import { clientFrom, reportProblem } from './api-client.js';

type Print = (line: string) => void;

/** One line per subscription: id, URL, events, filter, and whether it is enabled (or why not). */
export function subscriptionLine(subscription: WebhookSubscription): string {
  const filter = [subscription.filter.kind, subscription.filter.target].filter((value) => value !== null).join('/') || 'all runs';
  const state = subscription.enabled ? 'enabled' : `disabled ${subscription.disabled_at ?? ''}: ${subscription.disabled_reason ?? ''}`;
  return `${subscription.id}  ${subscription.url}  ${subscription.events.join(',')}  ${filter}  ${state}`;
}

/** One line per delivery: its webhook-id, event, run, state, attempts, last answer and timing. */
export function deliveryLine(delivery: WebhookDelivery): string {
  const answer = delivery.last_status_code ?? (delivery.last_error ? 'error' : '-');
  const when = delivery.delivered_at ? `delivered ${delivery.delivered_at}` : delivery.next_attempt_at ? `next ${delivery.next_attempt_at}` : '';
  return `${delivery.id}  ${delivery.type}  ${delivery.run_id}  ${delivery.state}  attempts ${delivery.attempts}  ${answer}  ${delivery.duration_ms ?? '-'} ms  ${when}`.trimEnd();
}

function ids(positionals: string[], count: number, command: string): string[] {
  if (positionals.length !== count)
    throw new UsageError(`subscriptions ${command} takes ${count === 1 ? 'one subscription id' : 'a subscription id and a delivery id'}`);
  return positionals;
}

/**
 * `runq subscriptions …`: outbound webhook subscriptions through the API (`RUNQ_URL`,
 * `RUNQ_API_KEY`): create (prints the secret once), list, get, enable, disable, delete,
 * deliveries and redeliver, with `--json` for scripts.
 */
export async function subscriptionsCommand(args: string[], env: Env, print: Print): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean' },
      url: { type: 'string' },
      event: { type: 'string', multiple: true },
      kind: { type: 'string' },
      target: { type: 'string' },
      project: { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const json = values.json === true;
  const show = (value: unknown, human: () => string[]) => (json ? print(JSON.stringify(value)) : human().forEach((line) => print(line)));
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  const client = clientFrom(env);
  try {
    switch (action) {
      case 'create': {
        if (!values.url) throw new UsageError('subscriptions create needs --url URL');
        const body: WebhookSubscriptionBody = {
          url: values.url,
          events: (values.event ?? ['run.completed', 'run.failed', 'run.cancelled', 'run.waiting']) as WebhookSubscriptionBody['events'],
          ...(values.kind || values.target ? { filter: { kind: (values.kind ?? null) as 'task' | null, target: values.target ?? null } } : {}),
          ...(values.project ? { project_id: values.project } : {}),
        };
        const created = await client.webhookSubscriptions.create(body);
        show(created, () => [subscriptionLine(created), `secret ${created.secret}  (shown once: keep it to verify deliveries)`]);
        return 0;
      }
      case 'list': {
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
        let shown = 0;
        for await (const subscription of client.webhookSubscriptions.list()) {
          print(json ? JSON.stringify(subscription) : subscriptionLine(subscription));
          shown += 1;
          if (shown >= limit) break;
        }
        return 0;
      }
      case 'get': {
        const [id] = ids(positionals, 1, 'get');
        const subscription = await client.webhookSubscriptions.get(id as string);
        show(subscription, () => [subscriptionLine(subscription)]);
        return 0;
      }
      case 'enable':
      case 'disable': {
        const [id] = ids(positionals, 1, action);
        const subscription = await client.webhookSubscriptions.update(id as string, { enabled: action === 'enable' });
        show(subscription, () => [subscriptionLine(subscription)]);
        return 0;
      }
      case 'delete': {
        const [id] = ids(positionals, 1, 'delete');
        await client.webhookSubscriptions.delete(id as string);
        if (!json) print(`deleted ${id}`);
        return 0;
      }
      case 'deliveries': {
        const [id] = ids(positionals, 1, 'deliveries');
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
        let shown = 0;
        for await (const delivery of client.webhookSubscriptions.deliveries(id as string)) {
          print(json ? JSON.stringify(delivery) : deliveryLine(delivery));
          shown += 1;
          if (shown >= limit) break;
        }
        return 0;
      }
      case 'redeliver': {
        const [id, deliveryId] = ids(positionals, 2, 'redeliver');
        const delivery = await client.webhookSubscriptions.redeliver(id as string, deliveryId as string);
        show(delivery, () => [deliveryLine(delivery)]);
        return 0;
      }
      default:
        throw new UsageError('subscriptions needs a subcommand: create, list, get, enable, disable, delete, deliveries or redeliver');
    }
  } catch (error) {
    return reportProblem(error);
  }
}
