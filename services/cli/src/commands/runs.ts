import { parseArgs } from 'node:util';
import ora from 'ora';
import type { CreateRunBody, RunqClient } from '@runq/client';
import { optionalString, type Env } from '@runq/config';
import { UsageError } from '../cli-error.js';
import { clientFrom, exactlyOneId, parseJson, reportProblem } from './api-client.js';
import { eventLine, runDetails, runLine } from './runs-output.js';

type Print = (line: string) => void;

const RUN_KINDS: readonly string[] = ['agent', 'workflow', 'task', 'eval'];

function oneId(positionals: string[], command: string): string {
  return exactlyOneId(positionals, `runs ${command} takes exactly one run id`);
}

/**
 * The project of `runs create`: `--project`, else `RUNQ_PROJECT_ID`, else the only project the
 * credentials reach (`GET /whoami`). Credentials reaching several projects must name one.
 */
export async function projectFor(client: RunqClient, values: Record<string, string | boolean | undefined>, env: Env): Promise<string> {
  const named = (values['project'] as string | undefined) ?? optionalString(env, 'RUNQ_PROJECT_ID');
  if (named) return named;
  const { projects } = await client.whoami();
  const [only, ...others] = projects;
  if (only === undefined || others.length > 0) {
    throw new UsageError(`runs create needs --project UUID (or RUNQ_PROJECT_ID): the credentials reach ${projects.length} projects (${projects.join(', ')})`);
  }
  return only;
}

/** The body of `runs create` from its flags; `--project` is resolved through `project` only when the body needs it. */
export async function createBody(values: Record<string, string | boolean | undefined>, project: () => Promise<string>): Promise<CreateRunBody> {
  if (typeof values['body'] === 'string') return parseJson('--body', values['body']) as CreateRunBody;
  const kind = values['kind'];
  const target = values['target'];
  if (typeof kind !== 'string') throw new UsageError('runs create needs --kind (agent, workflow, task or eval) or --body JSON');
  if (typeof target !== 'string') throw new UsageError('runs create needs --target NAME');
  if (!RUN_KINDS.includes(kind)) throw new UsageError(`--kind must be agent, workflow, task or eval (got ${JSON.stringify(kind)})`);
  const input = parseJson('--input', values['input'] as string | undefined);
  const config = parseJson('--config', values['config'] as string | undefined);
  const owner = { kind: 'project' as const, id: await project() };
  switch (kind) {
    case 'task':
      // A task has no `input` in the contract: --input is its `config`.
      return { kind, owner, request: { target, ...((config ?? input) !== undefined ? { config: (config ?? input) as Record<string, unknown> } : {}) } };
    case 'eval':
      return {
        kind,
        owner,
        request: {
          target,
          ...(input !== undefined ? { input: input as Record<string, unknown> } : {}),
          ...(config !== undefined ? { config: config as Record<string, unknown> } : {}),
        },
      };
    case 'workflow':
      return {
        kind,
        owner,
        request: {
          target,
          workflow_id: (values['workflow'] as string | undefined) ?? target,
          ...(input !== undefined ? { input: input as Record<string, unknown> } : {}),
        },
      };
    case 'agent':
      return { kind, owner, request: { mode: 'agent', input: { agent_id: target, ...((input as object | undefined) ?? {}) } } } as CreateRunBody;
    default:
      throw new UsageError(`--kind must be agent, workflow, task or eval (got ${JSON.stringify(kind)})`);
  }
}

async function watch(client: RunqClient, runId: string, print: Print, json: boolean): Promise<number> {
  const run = await client.runs.get(runId);
  const startedAt = Date.parse(run.created_at);
  // A spinner needs a real terminal with a width (a pseudo-terminal without one, as under
  // `script`, makes any spinner redraw endlessly); otherwise print plain lines.
  const interactive = !json && process.stdout.isTTY === true && (process.stdout.columns ?? 0) >= 20;
  const spinner = interactive ? ora({ text: 'waiting for events', stream: process.stdout }).start() : undefined;
  const ticker = spinner ? setInterval(() => (spinner.text = `watching ${runId}  ${((Date.now() - startedAt) / 1000).toFixed(1)}s`), 100) : undefined;
  try {
    for await (const event of client.runs.events(runId)) {
      const line = json ? JSON.stringify(event) : eventLine(event, startedAt);
      if (spinner) spinner.stopAndPersist({ text: line, symbol: '' }).start();
      else print(line);
    }
  } finally {
    clearInterval(ticker);
    spinner?.stop();
  }
  const finished = await client.runs.get(runId);
  if (!json) print(runLine(finished));
  return finished.status === 'completed' ? 0 : 1;
}

/**
 * `runq runs …`: create, get, list, watch, cancel, resume and replay runs through the API
 * (`RUNQ_URL`, `RUNQ_API_KEY`), with `--json` for scripts.
 */
export async function runsCommand(args: string[], env: Env, print: Print): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean' },
      kind: { type: 'string' },
      target: { type: 'string' },
      workflow: { type: 'string' },
      project: { type: 'string' },
      input: { type: 'string' },
      config: { type: 'string' },
      body: { type: 'string' },
      'idempotency-key': { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      data: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  const json = values.json === true;
  const show = (value: unknown, human: () => string[]) => (json ? print(JSON.stringify(value)) : human().forEach((line) => print(line)));
  const client = clientFrom(env);
  try {
    switch (action) {
      case 'create': {
        const body = await createBody(values, () => projectFor(client, values, env));
        const key = values['idempotency-key'];
        const created = await client.runs.create(body, key ? { idempotencyKey: key } : {});
        if (!values.wait) {
          show(created, () => [runLine(created.run)]);
          return 0;
        }
        const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout) * 1000;
        if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UsageError('--timeout must be a number of seconds');
        if (!json) print(`created ${created.run.run_id}; waiting for it to finish…`);
        const done = await client.runs.waitFor(created.run.run_id, timeoutMs === undefined ? {} : { timeoutMs });
        show(done, () => runDetails(done));
        return done.status === 'completed' ? 0 : 1;
      }
      case 'get': {
        const run = await client.runs.get(oneId(positionals, 'get'));
        show(run, () => runDetails(run));
        return 0;
      }
      case 'list': {
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
        const filter = {
          ...(values.status ? { status: values.status as 'pending' } : {}),
          ...(values.kind ? { kind: values.kind as 'task' } : {}),
          limit: Math.min(limit, 100),
        };
        let shown = 0;
        for await (const run of client.runs.list(filter)) {
          print(json ? JSON.stringify(run) : runLine(run));
          shown += 1;
          if (!values.all && shown >= limit) break;
        }
        return 0;
      }
      case 'watch':
        return await watch(client, oneId(positionals, 'watch'), print, json);
      case 'cancel': {
        const run = await client.runs.cancel(oneId(positionals, 'cancel'));
        show(run, () => [runLine(run)]);
        return 0;
      }
      case 'replay': {
        const { run } = await client.runs.replay(oneId(positionals, 'replay'));
        show(run, () => [runLine(run)]);
        return 0;
      }
      case 'resume': {
        if (values.data === undefined) throw new UsageError('runs resume needs --data JSON');
        const run = await client.runs.resume(oneId(positionals, 'resume'), parseJson('--data', values.data));
        show(run, () => [runLine(run)]);
        return 0;
      }
      default:
        throw new UsageError('runs needs a subcommand: create, get, list, watch, cancel, resume or replay');
    }
  } catch (error) {
    return reportProblem(error);
  }
}
