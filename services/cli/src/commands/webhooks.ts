import { parseArgs } from 'node:util';
import type { RunqClient, Webhook, WebhookBody, WebhookInboundDelivery } from '@runq/client';
import type { Env } from '@runq/config';
import { UsageError } from '../cli-error.js';
import { clientFrom, exactlyOneId, parseJson, reportProblem } from './api-client.js';
import { createBody, projectFor } from './runs.js';

type Print = (line: string) => void;
type Values = Record<string, string | boolean | undefined>;

/** One line per endpoint: id, key, name, whether paused, and its URL. */
export function webhookLine(webhook: Webhook): string {
  return `${webhook.id}  ${webhook.key ?? '-'}  ${webhook.name}  ${webhook.paused ? 'paused' : 'active'}  ${webhook.url}`;
}

/** One line per delivery: when, outcome (and why), status code, run, and how many when counted together. */
export function deliveryLine(delivery: WebhookInboundDelivery): string {
  const outcome = delivery.reason ? `${delivery.outcome} (${delivery.reason})` : delivery.outcome;
  const times = delivery.count > 1 ? `  x${delivery.count}` : '';
  return `${delivery.received_at}  ${outcome}  ${delivery.status_code}  ${delivery.run_id ?? '-'}  ${delivery.webhook_id ?? '-'}${times}`;
}

function webhookDetails(webhook: Webhook): string[] {
  const run = webhook.run as { kind?: string; request?: { target?: string } };
  return [
    webhookLine(webhook),
    `  creates ${run.kind ?? '?'} runs of ${run.request?.target ?? '?'} in project ${webhook.project_id}`,
    ...webhook.secrets.map((secret) => `  secret created ${secret.created_at}${secret.expires_at ? `, expires ${secret.expires_at}` : ''}`),
  ];
}

/** The body of `webhooks create` from its flags (or `--body JSON`); the run template is built as for `runs create`. */
async function webhookBody(values: Values, env: Env, client: RunqClient): Promise<WebhookBody> {
  if (typeof values['body'] === 'string') return parseJson('--body', values['body']) as WebhookBody;
  if (typeof values['name'] !== 'string') throw new UsageError('webhooks create needs --name NAME (or --body JSON)');
  const run = await createBody(values, () => projectFor(client, values, env));
  return {
    name: values['name'],
    run: run as unknown as WebhookBody['run'],
    ...(typeof values['key'] === 'string' ? { key: values['key'] } : {}),
    ...(values['paused'] === 'true' ? { paused: true } : {}),
  };
}

function oneId(positionals: string[], command: string): string {
  return exactlyOneId(positionals, `webhooks ${command} takes exactly one webhook id`);
}

/**
 * `runq webhooks …`: create, list, get, pause, resume, rotate-secret, delete inbound webhook
 * endpoints and list their deliveries through the API (`RUNQ_URL`, `RUNQ_API_KEY`), with
 * `--json` for scripts. `create` and `rotate-secret` print the signing secret: the only time it
 * is shown.
 */
export async function webhooksCommand(args: string[], env: Env, print: Print): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean' },
      body: { type: 'string' },
      name: { type: 'string' },
      key: { type: 'string' },
      paused: { type: 'string' },
      kind: { type: 'string' },
      target: { type: 'string' },
      workflow: { type: 'string' },
      project: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  const json = values.json === true;
  const show = (value: unknown, human: () => string[]) => (json ? print(JSON.stringify(value)) : human().forEach((line) => print(line)));
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  const client = clientFrom(env);
  try {
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    switch (action) {
      case 'create': {
        if (values.paused !== undefined && values.paused !== 'true' && values.paused !== 'false') throw new UsageError('--paused must be true or false');
        const created = await client.webhooks.create(await webhookBody(values, env, client));
        show(created, () => [...webhookDetails(created), `secret ${created.secret}  (shown only now)`]);
        return 0;
      }
      case 'list': {
        let shown = 0;
        for await (const webhook of client.webhooks.list()) {
          print(json ? JSON.stringify(webhook) : webhookLine(webhook));
          shown += 1;
          if (!values.all && shown >= limit) break;
        }
        return 0;
      }
      case 'get': {
        const webhook = await client.webhooks.get(oneId(positionals, 'get'));
        show(webhook, () => webhookDetails(webhook));
        return 0;
      }
      case 'pause':
      case 'resume': {
        const id = oneId(positionals, action);
        const webhook = action === 'pause' ? await client.webhooks.pause(id) : await client.webhooks.resume(id);
        show(webhook, () => [webhookLine(webhook)]);
        return 0;
      }
      case 'rotate-secret': {
        const rotated = await client.webhooks.rotateSecret(oneId(positionals, 'rotate-secret'));
        show(rotated, () => [...webhookDetails(rotated), `secret ${rotated.secret}  (shown only now; the previous one keeps working for 24 h)`]);
        return 0;
      }
      case 'delete': {
        const id = oneId(positionals, 'delete');
        await client.webhooks.delete(id);
        if (!json) print(`deleted ${id}`);
        return 0;
      }
      case 'deliveries': {
        let shown = 0;
        for await (const delivery of client.webhooks.deliveries(oneId(positionals, 'deliveries'))) {
          print(json ? JSON.stringify(delivery) : deliveryLine(delivery));
          shown += 1;
          if (!values.all && shown >= limit) break;
        }
        return 0;
      }
      default:
        throw new UsageError('webhooks needs a subcommand: create, list, get, pause, resume, rotate-secret, delete or deliveries');
    }
  } catch (error) {
    return reportProblem(error);
  }
}
