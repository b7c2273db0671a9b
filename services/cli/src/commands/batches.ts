import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BatchResult, BulkAction, CreateRunBody, RunqClient } from '@runq/client';
import type { Env } from '@runq/config';
import { parseDuration } from '@runq/runs';
import { UsageError } from '../cli-error.js';
import { clientFrom, exactlyOneId, reportProblem } from './api-client.js';

type Print = (line: string) => void;

/** The most items the API takes in one batch: a longer file goes as several batches. */
const BATCH_ITEMS = 1_000;
/** How often `bulk` reads an action's progress while it waits. */
const PROGRESS_POLL_MS = 500;
/** Width of the progress bar, in characters. */
const BAR_WIDTH = 30;
const FINAL_STATUSES = new Set(['completed', 'aborted', 'failed']);

/** The run bodies of an NDJSON file (one per non-empty line); a usage error names a line that is not JSON. */
export function parseNdjson(text: string, file: string): CreateRunBody[] {
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as CreateRunBody];
    } catch {
      throw new UsageError(`${file}:${index + 1} is not JSON`);
    }
  });
}

/** One line per batch, and one per item that was not created. */
function batchLines(result: BatchResult, offset: number): string[] {
  const count = (status: string) => result.items.filter((item) => item.status === status).length;
  return [
    `batch ${result.batch_id}: ${count('created')} created, ${count('duplicate')} duplicate, ${count('rejected')} rejected`,
    ...result.items
      .filter((item) => item.status === 'rejected')
      .map((item) => {
        const fields = (item.problem?.errors ?? []).map((issue) => ` ${issue.path}: ${issue.message}`).join(';');
        return `  item ${offset + item.index + 1}: ${item.problem?.status ?? ''} ${item.problem?.title ?? ''}: ${item.problem?.detail ?? ''}${fields}`;
      }),
  ];
}

/** `done/matched` as a bar, for a terminal. */
function progressBar(action: BulkAction): string {
  const share = action.matched === 0 ? 1 : Math.min(1, action.processed / action.matched);
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${action.processed}/${action.matched} ${action.status}`;
}

function actionLine(action: BulkAction): string {
  const line = `${action.id}  ${action.action}  ${action.status}  matched ${action.matched}, processed ${action.processed}, succeeded ${action.succeeded}, failed ${action.failed}`;
  // Why a failed action stopped.
  return action.status === 'failed' && action.error ? `${line}\n  ${action.error}` : line;
}

function oneId(positionals: string[], command: string): string {
  return exactlyOneId(positionals, `${command} takes exactly one id`);
}

/** `runq batches create --file items.ndjson` (several batches past 1,000 lines) and `runq batches get ID`. */
export async function batchesCommand(args: string[], env: Env, print: Print): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { json: { type: 'boolean' }, file: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  const client = clientFrom(env);
  try {
    switch (action) {
      case 'create': {
        if (values.file === undefined) throw new UsageError('batches create needs --file items.ndjson (one POST /runs body per line)');
        const items = parseNdjson(await readFile(values.file, 'utf8'), values.file);
        if (items.length === 0) throw new UsageError(`${values.file} has no items`);
        let rejected = 0;
        for (let offset = 0; offset < items.length; offset += BATCH_ITEMS) {
          const result = await client.batches.create(items.slice(offset, offset + BATCH_ITEMS));
          rejected += result.items.filter((item) => item.status === 'rejected').length;
          if (values.json) print(JSON.stringify(result));
          else batchLines(result, offset).forEach((line) => print(line));
        }
        return rejected > 0 ? 1 : 0;
      }
      case 'get': {
        const progress = await client.batches.get(oneId(positionals, 'batches get'));
        if (values.json) print(JSON.stringify(progress));
        else {
          const counts = Object.entries(progress.counts).map(([status, count]) => `${status} ${count}`);
          print(`batch ${progress.batch_id}: ${progress.total} runs, ${counts.join(', ')}${progress.done ? ', done' : ''}`);
        }
        return 0;
      }
      default:
        throw new UsageError('batches needs a subcommand: create or get');
    }
  } catch (error) {
    return reportProblem(error);
  }
}

/**
 * `runq bulk cancel|replay --since DURATION [--status S] [--kind K] [--error-code C] [--dry-run]`: starts a bulk
 * action over the runs created in that window and follows it to its end (a progress bar on a
 * terminal); `runq bulk get ID`, `runq bulk abort ID`.
 */
export async function bulkCommand(args: string[], env: Env, print: Print, isTerminal = process.stdout.isTTY === true): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean' },
      since: { type: 'string' },
      status: { type: 'string' },
      kind: { type: 'string' },
      'batch-id': { type: 'string' },
      'error-code': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'no-wait': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  const client = clientFrom(env);
  try {
    switch (action) {
      case 'cancel':
      case 'replay': {
        if (values.since === undefined) throw new UsageError(`bulk ${action} needs --since DURATION (e.g. 1h): a bulk action names its time window`);
        const sinceMs = parseDuration(values.since);
        if (sinceMs === undefined || sinceMs <= 0) throw new UsageError('--since must be a duration such as 30m, 1h or 2d');
        const now = Date.now();
        const filter = {
          created_after: new Date(now - sinceMs).toISOString(),
          created_before: new Date(now).toISOString(),
          ...(values.status ? { status: values.status as 'failed' } : {}),
          ...(values.kind ? { kind: values.kind as 'task' } : {}),
          ...(values['batch-id'] ? { batch_id: values['batch-id'] } : {}),
          ...(values['error-code'] ? { error_code: values['error-code'] } : {}),
        };
        if (values['dry-run']) {
          const { matched } = await client.bulkActions.dryRun({ action, filter });
          print(values.json ? JSON.stringify({ matched }) : `${matched} runs would be ${action === 'cancel' ? 'cancelled' : 'replayed'}`);
          return 0;
        }
        const started = await client.bulkActions.create({ id: globalThis.crypto.randomUUID(), action, filter });
        const final = values['no-wait'] ? started : await follow(client, started, isTerminal);
        print(values.json ? JSON.stringify(final) : actionLine(final));
        return final.status === 'completed' || values['no-wait'] ? 0 : 1;
      }
      case 'get': {
        const found = await client.bulkActions.get(oneId(positionals, 'bulk get'));
        print(values.json ? JSON.stringify(found) : actionLine(found));
        return 0;
      }
      case 'abort': {
        const aborted = await client.bulkActions.abort(oneId(positionals, 'bulk abort'));
        print(values.json ? JSON.stringify(aborted) : actionLine(aborted));
        return 0;
      }
      default:
        throw new UsageError('bulk needs a subcommand: cancel, replay, get or abort');
    }
  } catch (error) {
    return reportProblem(error);
  }
}

/** Reads the action's progress until it ends, redrawing a bar on a terminal (nothing otherwise). */
async function follow(client: RunqClient, started: BulkAction, isTerminal: boolean): Promise<BulkAction> {
  let current = started;
  while (!FINAL_STATUSES.has(current.status)) {
    if (isTerminal) process.stdout.write(`\r${progressBar(current)}`);
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_POLL_MS));
    current = await client.bulkActions.get(current.id);
  }
  if (isTerminal) process.stdout.write(`\r${progressBar(current)}\n`);
  return current;
}
