import { parseArgs } from 'node:util';
import type { RunqClient, Schedule, ScheduleBody } from '@runq/client';
import type { Env } from '@runq/config';
import { UsageError } from '../cli-error.js';
import { clientFrom, exactlyOneId, parseJson, reportProblem } from './api-client.js';
import { createBody, projectFor } from './runs.js';
import { runLine } from './runs-output.js';

type Print = (line: string) => void;

/** One line per schedule: id, key, spec, whether paused, next fire time and runs created. */
export function scheduleLine(schedule: Schedule): string {
  const spec = schedule.spec as { cron?: string; timezone?: string; every?: string; at?: string[] };
  const when = spec.cron ? `cron "${spec.cron}" ${spec.timezone ?? 'UTC'}` : spec.every ? `every ${spec.every}` : `at ${spec.at?.length ?? 0} instants`;
  const state = schedule.paused ? 'paused' : `next ${schedule.state.next_fire_at ?? 'none'}`;
  return `${schedule.id}  ${schedule.key ?? '-'}  ${when}  ${state}  runs ${schedule.state.runs_created}`;
}

function scheduleDetails(schedule: Schedule): string[] {
  return [
    scheduleLine(schedule),
    `  overlap ${schedule.overlap}, missed ${schedule.missed} (catch-up ${schedule.catchup_window}), jitter ${schedule.jitter}, run_ttl ${schedule.run_ttl ?? 'none'}`,
    `  skipped ${schedule.state.skipped}, missed ${schedule.state.missed}, last fired ${schedule.state.last_fired_at ?? 'never'}`,
    ...schedule.upcoming.map((at) => `  upcoming ${at}`),
  ];
}

/**
 * The body of `schedules create` from its flags (or `--body JSON`); the run's project is found
 * as for `runs create` (`--project`, `RUNQ_PROJECT_ID`, or the credentials' only project).
 */
export async function scheduleBody(values: Record<string, string | string[] | boolean | undefined>, env: Env, client: RunqClient): Promise<ScheduleBody> {
  if (typeof values['body'] === 'string') return parseJson('--body', values['body']) as ScheduleBody;
  const cron = values['cron'] as string | undefined;
  const every = values['every'] as string | undefined;
  const at = values['at'] as string[] | undefined;
  if ([cron, every, at].filter((value) => value !== undefined).length !== 1)
    throw new UsageError('schedules create needs one of --cron EXPR, --every DURATION or --at ISO (repeatable)');
  const spec =
    cron !== undefined
      ? { cron, ...(values['timezone'] ? { timezone: values['timezone'] as string } : {}) }
      : every !== undefined
        ? { every, ...(values['anchor'] ? { anchor: values['anchor'] as string } : {}) }
        : { at: at ?? [] };
  const optional = (flag: string, field: string) => (values[flag] === undefined ? {} : { [field]: values[flag] });
  const maxRuns = values['max-runs'] === undefined ? undefined : Number(values['max-runs']);
  if (maxRuns !== undefined && !(Number.isInteger(maxRuns) && maxRuns >= 1)) throw new UsageError('--max-runs must be a positive integer');
  return {
    spec,
    run: (await createBody(values as Record<string, string | boolean | undefined>, () =>
      projectFor(client, values as Record<string, string | boolean | undefined>, env),
    )) as unknown as ScheduleBody['run'],
    ...optional('key', 'key'),
    ...optional('overlap', 'overlap'),
    ...optional('missed', 'missed'),
    ...optional('catchup-window', 'catchup_window'),
    ...optional('jitter', 'jitter'),
    ...optional('run-ttl', 'run_ttl'),
    ...optional('start-at', 'start_at'),
    ...optional('end-at', 'end_at'),
    ...(maxRuns !== undefined ? { max_runs: maxRuns } : {}),
    ...(values['paused'] ? { paused: true } : {}),
  } as ScheduleBody;
}

function oneId(positionals: string[], command: string): string {
  return exactlyOneId(positionals, `schedules ${command} takes exactly one schedule id`);
}

/**
 * `runq schedules …`: create, list, get, pause, resume, trigger and delete schedules through the
 * API (`RUNQ_URL`, `RUNQ_API_KEY`), with `--json` for scripts.
 */
export async function schedulesCommand(args: string[], env: Env, print: Print): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean' },
      body: { type: 'string' },
      cron: { type: 'string' },
      timezone: { type: 'string' },
      every: { type: 'string' },
      anchor: { type: 'string' },
      at: { type: 'string', multiple: true },
      key: { type: 'string' },
      overlap: { type: 'string' },
      missed: { type: 'string' },
      'catchup-window': { type: 'string' },
      jitter: { type: 'string' },
      'run-ttl': { type: 'string' },
      'start-at': { type: 'string' },
      'end-at': { type: 'string' },
      'max-runs': { type: 'string' },
      paused: { type: 'string' },
      kind: { type: 'string' },
      target: { type: 'string' },
      workflow: { type: 'string' },
      project: { type: 'string' },
      input: { type: 'string' },
      config: { type: 'string' },
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
        if (values.paused !== undefined && values.paused !== 'true' && values.paused !== 'false') throw new UsageError('--paused must be true or false');
        const schedule = await client.schedules.create(await scheduleBody({ ...values, paused: values.paused === 'true' }, env, client));
        show(schedule, () => scheduleDetails(schedule));
        return 0;
      }
      case 'list': {
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
        if (values.paused !== undefined && values.paused !== 'true' && values.paused !== 'false') throw new UsageError('--paused must be true or false');
        const filter = {
          ...(values.paused !== undefined ? { paused: values.paused as 'true' | 'false' } : {}),
          ...(values.kind ? { kind: values.kind as 'task' } : {}),
          limit: Math.min(limit, 100),
        };
        let shown = 0;
        for await (const schedule of client.schedules.list(filter)) {
          print(json ? JSON.stringify(schedule) : scheduleLine(schedule));
          shown += 1;
          if (!values.all && shown >= limit) break;
        }
        return 0;
      }
      case 'get': {
        const schedule = await client.schedules.get(oneId(positionals, 'get'));
        show(schedule, () => scheduleDetails(schedule));
        return 0;
      }
      case 'pause':
      case 'resume': {
        const id = oneId(positionals, action);
        const schedule = action === 'pause' ? await client.schedules.pause(id) : await client.schedules.resume(id);
        show(schedule, () => [scheduleLine(schedule)]);
        return 0;
      }
      case 'trigger': {
        const triggered = await client.schedules.trigger(oneId(positionals, 'trigger'));
        show(triggered, () => [runLine(triggered.run)]);
        return 0;
      }
      case 'delete': {
        const id = oneId(positionals, 'delete');
        await client.schedules.delete(id);
        if (!json) print(`deleted ${id}`);
        return 0;
      }
      default:
        throw new UsageError('schedules needs a subcommand: create, list, get, pause, resume, trigger or delete');
    }
  } catch (error) {
    return reportProblem(error);
  }
}
