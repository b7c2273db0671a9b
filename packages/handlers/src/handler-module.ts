import { RUN_KINDS, WAITING_REASONS, isRunKind, type RunEnvelope, type RunKind, type WaitingReason } from '@runq/runs';

/** Marks the value `ctx.wait()` returns; a handler returns it to move its run to `waiting`. */
export const WAIT_REQUEST = Symbol.for('runq.wait');

/** What `ctx.wait()` returns. */
export interface WaitRequest {
  readonly [WAIT_REQUEST]: true;
  readonly reason: WaitingReason;
  /** When set, the run fails with code `wait_timeout` if not resumed within this many seconds. */
  readonly timeoutSeconds?: number;
}

/** The second argument of a handler. */
export interface HandlerContext {
  /** Fires when the run is cancelled, the attempt times out, or the worker loses its claim. */
  signal: AbortSignal;
  /** 1-based attempt number. */
  attempt: number;
  /** `{ data }` after a resume, else null. */
  resume: { data: unknown } | null;
  /** Appends a line to the run's `logs`. */
  log(line: string): void;
  /** A value to return to move the run to `waiting` with this reason. */
  wait(reason: WaitingReason, options?: { timeoutSeconds?: number }): WaitRequest;
  /**
   * The W3C trace context of this attempt (its `handler` span when the worker traces, else the
   * run's stored context), or null when the run has none. Send it with the handler's own
   * requests so they join the run's trace: `fetch(url, { headers: { ...ctx.trace } })`.
   */
  trace: { traceparent: string } | null;
}

/** What a handler returns to complete its run. */
export interface HandlerResult {
  output?: unknown;
  logs?: string;
  artifacts?: unknown[];
  exit_code?: number;
}

/** A handler: completes the run by returning, fails the attempt by throwing. */
export type RunHandler = (run: RunEnvelope, ctx: HandlerContext) => Promise<HandlerResult | WaitRequest | void> | HandlerResult | WaitRequest | void;

/** Handlers by kind, then by name (`"*"` matches any name of the kind). */
export type HandlerModule = Partial<Record<RunKind, Readonly<Record<string, RunHandler>>>>;

/** The handler module is not of the documented shape; the message names what is wrong. */
export class HandlerModuleError extends Error {
  override readonly name = 'HandlerModuleError';
}

/** True when a handler's return value asks to wait. */
export function isWaitRequest(value: unknown): value is WaitRequest {
  return typeof value === 'object' && value !== null && (value as Partial<WaitRequest>)[WAIT_REQUEST] === true;
}

/** Builds the value a handler returns to wait. */
export function waitRequest(reason: WaitingReason, options: { timeoutSeconds?: number } = {}): WaitRequest {
  if (!(WAITING_REASONS as readonly string[]).includes(reason)) {
    throw new TypeError(`ctx.wait: reason must be one of ${WAITING_REASONS.join(', ')}`);
  }
  const timeout = options.timeoutSeconds;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
    throw new TypeError('ctx.wait: timeoutSeconds must be a positive number');
  }
  return { [WAIT_REQUEST]: true, reason, ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}) };
}

/**
 * Checks that `value` has the shape of a handler module: an object whose keys are run kinds,
 * each mapping handler names to functions. Throws a {@link HandlerModuleError} naming the
 * first problem.
 */
export function validateHandlerModule(value: unknown, source: string): HandlerModule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HandlerModuleError(`${source}: the default export must be an object keyed by run kind (${RUN_KINDS.join(', ')})`);
  }
  for (const [kind, handlers] of Object.entries(value)) {
    if (!isRunKind(kind)) {
      throw new HandlerModuleError(`${source}: "${kind}" is not a run kind (expected ${RUN_KINDS.join(', ')})`);
    }
    if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers)) {
      throw new HandlerModuleError(`${source}: "${kind}" must be an object mapping handler names to functions`);
    }
    for (const [name, handler] of Object.entries(handlers)) {
      if (typeof handler !== 'function') {
        throw new HandlerModuleError(`${source}: ${kind}["${name}"] must be a function (got ${typeof handler})`);
      }
    }
  }
  return value as HandlerModule;
}
