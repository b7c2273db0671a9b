import { ConfigError, type Env } from '@runq/config';
import { USAGE_EXIT_CODE, UsageError } from './cli-error.js';
import { tuneHeapGrowth } from './heap-growth.js';

const USAGE = `usage: runq <command>

commands:
  start                         API, dashboard and workers on this machine (local Postgres under ./.runq/ when DATABASE_URL is unset)
  api                           the API only
  worker [--kinds agent,workflow,task,eval] [--concurrency N|kind=N,...] [--handlers PATH]
         [--runtime-target main_branch|environment:UUID|preview_branch:UUID ...]
                                one worker process (--concurrency task=32,agent=4: per kind;
                                without --runtime-target it serves main_branch)
  migrate                       apply migrations and exit
  keys create --project UUID [--project UUID ...] [--name NAME]
                                print a new API key
  keys revoke PREFIX            revoke an API key
  runs create --kind KIND --target NAME [--project UUID (default: the key's only project)] [--input JSON] [--config JSON]
              [--idempotency-key KEY] [--wait [--timeout SECONDS]] | --body JSON
  runs get ID | runs list [--status S] [--kind K] [--limit N] [--all]
  runs watch ID | runs cancel ID | runs resume ID --data JSON | runs replay ID
                                runs through the API (RUNQ_URL, RUNQ_API_KEY; --json for scripts)
  schedules create (--cron EXPR [--timezone TZ] | --every DURATION [--anchor ISO] | --at ISO ...)
              --kind KIND --target NAME [--project UUID] [--key KEY] [--overlap P] [--missed P]
              [--catchup-window D] [--jitter D] [--run-ttl D] [--max-runs N] [--start-at ISO]
              [--end-at ISO] [--paused true] | --body JSON
  schedules list [--paused true|false] [--kind K] [--limit N] [--all]
  schedules get ID | pause ID | resume ID | trigger ID | delete ID
                                schedules through the API (--json for scripts)
  webhooks create --name NAME --kind KIND --target NAME [--project UUID] [--key KEY] [--paused true] | --body JSON
  webhooks list [--limit N] [--all] | deliveries ID [--limit N] [--all]
  webhooks get ID | pause ID | resume ID | rotate-secret ID | delete ID
                                inbound webhook endpoints through the API (create and rotate-secret
                                print the signing secret, shown only then; --json for scripts)
  subscriptions create --url URL [--event run.completed ...] [--kind K] [--target T] [--project UUID]
  subscriptions list | get ID | enable ID | disable ID | delete ID
  subscriptions deliveries ID [--limit N] | redeliver ID DELIVERY_ID
                                outbound webhook subscriptions through the API (--json for scripts)
  batches create --file items.ndjson | batches get ID
                                up to 1,000 runs per batch, one POST /runs body per line
  bulk cancel|replay --since DURATION [--status S] [--kind K] [--batch-id UUID] [--error-code C] [--dry-run] [--no-wait]
  bulk get ID | bulk abort ID     cancel or replay the runs created in a window (progress bar on a terminal)`;

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const warn = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/*
 * Commands are imported when they run: `runq keys` or `runq runs` must not pay for loading the
 * API (Koa, Bull Board) and the worker at start.
 */

/**
 * Runs one `runq` command line and returns its exit status. Long-running commands (start,
 * api, worker) return once they are up; their servers keep the process alive until a signal.
 */
export async function main(argv: string[], env: Env): Promise<number> {
  const [command, ...args] = argv;
  try {
    // Before anything is loaded: the long-running commands bound V8's heap growth.
    if (command === 'start' || command === 'api' || command === 'worker') tuneHeapGrowth();
    // Each command is imported when it runs: a worker process then never loads the API, the
    // contract's validators or the dashboard (about a second of start-up on a 2-core machine).
    switch (command) {
      case 'start':
        return await (await import('./commands/start.js')).startCommand(args, env, print);
      case 'api':
        return await (await import('./commands/api.js')).apiCommand(env);
      case 'worker':
        return await (await import('./commands/worker.js')).workerCommand(args, env);
      case 'migrate':
        return await (await import('./commands/migrate.js')).migrateCommand(env, print);
      case 'keys':
        return await (await import('./commands/keys.js')).keysCommand(args, env, print);
      case 'runs':
        return await (await import('./commands/runs.js')).runsCommand(args, env, print);
      case 'schedules':
        return await (await import('./commands/schedules.js')).schedulesCommand(args, env, print);
      case 'webhooks':
        return await (await import('./commands/webhooks.js')).webhooksCommand(args, env, print);
      case 'subscriptions':
        return await (await import('./commands/subscriptions.js')).subscriptionsCommand(args, env, print);
      case 'batches':
        return await (await import('./commands/batches.js')).batchesCommand(args, env, print);
      case 'bulk':
        return await (await import('./commands/batches.js')).bulkCommand(args, env, print);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        print(USAGE);
        return command === undefined ? USAGE_EXIT_CODE : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      warn(`runq: ${error.message} (see \`runq help\`)`);
      return USAGE_EXIT_CODE;
    }
    if (error instanceof ConfigError) {
      warn(`runq: ${error.message}`);
      return 1;
    }
    warn(`runq: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
