import { findUnstorableValue } from '@runq/db';
import type { RunEnvelope, RunError, WaitingReason } from '@runq/runs';
import { AttemptAborted, type AbortCause } from './active-attempts.js';
import { isWaitRequest, waitRequest, type HandlerResult, type RunHandler } from './handler-module.js';

/** A handler result checked and reduced to what is stored. */
export interface SettledResult {
  output: unknown;
  logs?: string;
  artifacts?: unknown[];
  exit_code?: number;
}

/** How an attempt ended, from the executor's point of view. */
export type AttemptOutcome =
  | { type: 'completed'; result: SettledResult; logs: string[] }
  | { type: 'waiting'; reason: WaitingReason; timeoutSeconds?: number; logs: string[] }
  | { type: 'failed'; error: RunError; retryable: boolean; logs: string[] }
  | { type: 'aborted'; cause: Exclude<AbortCause, 'timeout'>; logs: string[] };

/** Longest stored error message and log line, in characters. */
const MAX_MESSAGE = 4_096;
/** Most log text kept from one attempt. */
const MAX_ATTEMPT_LOGS = 256 * 1024;
/** setTimeout cannot wait longer than this; longer timeouts mean "none". */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Text Postgres can store: no NUL, no unpaired surrogates. */
function storableText(value: string, max: number): string {
  return value.replaceAll('\u0000', '\uFFFD').toWellFormed().slice(0, max);
}

/** The stored form of whatever a handler threw. */
export function errorOf(thrown: unknown): RunError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const code = (thrown as { code?: unknown } | null)?.code;
  return {
    message: storableText(message || 'handler failed', MAX_MESSAGE),
    ...(typeof code === 'string' && code.length > 0 ? { code: storableText(code, 128) } : {}),
  };
}

function invalid(message: string, logs: string[]): AttemptOutcome {
  return { type: 'failed', error: { message: `handler returned an invalid result: ${message}`, code: 'invalid_result' }, retryable: false, logs };
}

/** Checks a handler's return value and turns it into an outcome. */
export function settleResult(value: unknown, logs: string[]): AttemptOutcome {
  if (isWaitRequest(value)) {
    return { type: 'waiting', reason: value.reason, ...(value.timeoutSeconds !== undefined ? { timeoutSeconds: value.timeoutSeconds } : {}), logs };
  }
  if (value === undefined || value === null) return { type: 'completed', result: { output: null }, logs };
  if (typeof value !== 'object' || Array.isArray(value)) return invalid('expected an object { output?, logs?, artifacts?, exit_code? }', logs);
  const result = value as HandlerResult;
  let output: unknown = null;
  let artifacts: unknown[] | undefined;
  try {
    // A JSON round trip: what is stored is exactly what clients will read back.
    if (result.output !== undefined) output = JSON.parse(JSON.stringify(result.output) ?? 'null');
    if (result.artifacts !== undefined) {
      if (!Array.isArray(result.artifacts)) return invalid('artifacts must be an array', logs);
      artifacts = JSON.parse(JSON.stringify(result.artifacts)) as unknown[];
    }
  } catch (error) {
    return invalid(`output and artifacts must be JSON (${(error as Error).message})`, logs);
  }
  const unstorable = findUnstorableValue({ output, artifacts: artifacts ?? [] });
  if (unstorable) return invalid(`${unstorable.path} ${unstorable.message}`, logs);
  if (result.logs !== undefined && typeof result.logs !== 'string') return invalid('logs must be a string', logs);
  const exitCode = result.exit_code;
  if (exitCode !== undefined && !(Number.isInteger(exitCode) && Math.abs(exitCode) <= 2 ** 31 - 1)) {
    return invalid('exit_code must be a 32-bit integer', logs);
  }
  return {
    type: 'completed',
    result: {
      output,
      ...(result.logs !== undefined ? { logs: storableText(result.logs, MAX_ATTEMPT_LOGS) } : {}),
      ...(artifacts !== undefined ? { artifacts } : {}),
      ...(exitCode !== undefined ? { exit_code: exitCode } : {}),
    },
    logs,
  };
}

function abortedOutcome(reason: unknown, timeoutSeconds: number | null, logs: string[]): AttemptOutcome {
  const cause = reason instanceof AttemptAborted ? reason.cause : 'shutdown';
  if (cause === 'timeout') {
    return { type: 'failed', error: { message: `attempt timed out after ${timeoutSeconds ?? 0} s`, code: 'timeout' }, retryable: true, logs };
  }
  return { type: 'aborted', cause, logs };
}

/**
 * Runs one attempt of a handler. Settles as soon as the handler returns or throws, or as soon
 * as the attempt's signal fires (cancellation, timeout, lost claim): a handler that ignores
 * the signal does not hold the run, and whatever it returns later is discarded.
 */
export async function runAttempt(
  handler: RunHandler,
  run: RunEnvelope,
  options: {
    controller: AbortController;
    attempt: number;
    resume: { data: unknown } | null;
    timeoutSeconds: number | null;
    /** The trace context handed to the handler as `ctx.trace`. */
    traceparent?: string | null | undefined;
    /** Calls the handler (in the attempt's trace context, when tracing). */
    callHandler?: (<T>(call: () => Promise<T>) => Promise<T>) | undefined;
  },
): Promise<AttemptOutcome> {
  const { controller } = options;
  const logs: string[] = [];
  let logSize = 0;
  const timeoutMs = options.timeoutSeconds === null ? undefined : options.timeoutSeconds * 1000;
  const timer = timeoutMs !== undefined && timeoutMs <= MAX_TIMER_MS ? setTimeout(() => controller.abort(new AttemptAborted('timeout')), timeoutMs) : undefined;
  const aborted = new Promise<AttemptOutcome>((resolve) => {
    const onAbort = () => resolve(abortedOutcome(controller.signal.reason, options.timeoutSeconds, logs));
    if (controller.signal.aborted) onAbort();
    else controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  const ctx = {
    signal: controller.signal,
    attempt: options.attempt,
    resume: options.resume,
    log(line: string) {
      if (controller.signal.aborted || logSize > MAX_ATTEMPT_LOGS) return;
      const text = storableText(String(line), MAX_MESSAGE);
      logSize += text.length + 1;
      logs.push(text);
    },
    wait: waitRequest,
    trace: options.traceparent ? { traceparent: options.traceparent } : null,
  };
  const call = async () => handler(run, ctx);
  const handled = (options.callHandler ? options.callHandler(call) : call()).then(
    (value) => settleResult(value, logs),
    (error: unknown): AttemptOutcome =>
      controller.signal.aborted
        ? abortedOutcome(controller.signal.reason, options.timeoutSeconds, logs)
        : { type: 'failed', error: errorOf(error), retryable: true, logs },
  );
  try {
    return await Promise.race([handled, aborted]);
  } finally {
    clearTimeout(timer);
    // Whatever the handler does after this point is ignored (and must not crash the process).
    handled.catch(() => undefined);
  }
}
