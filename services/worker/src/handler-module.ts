import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HandlerModuleError, validateHandlerModule, type HandlerModule, type RunHandler } from '@runq/handlers';
import type { RunKind } from '@runq/runs';

// The handler-module contract (types, `ctx.wait`, shape checks) lives in @runq/handlers, the
// package handler authors import; the worker adds loading and lookup.
export * from '@runq/handlers';

/** Loads a handler module (ES module or CommonJS) from `path` and checks its shape. */
export async function loadHandlerModule(path: string): Promise<HandlerModule> {
  const absolute = resolve(path);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  } catch (error) {
    throw new HandlerModuleError(`${path}: cannot be loaded: ${error instanceof Error ? error.message : String(error)}`);
  }
  let exported = loaded.default;
  // CommonJS compiled from an ES module (TypeScript, Babel) keeps its default export in
  // `exports.default` and marks itself with `__esModule`; Node hands over `module.exports`.
  if (typeof exported === 'object' && exported !== null && (exported as { __esModule?: unknown }).__esModule === true) {
    exported = (exported as { default?: unknown }).default;
  }
  if (exported === undefined) throw new HandlerModuleError(`${path}: has no default export`);
  return validateHandlerModule(exported, path);
}

/** The handler name of a run: the target of task and eval runs, the workflow id, the agent id. */
export function handlerNameOf(run: { kind: RunKind; target: string | null; workflow_id: string | null }): string | null {
  return run.kind === 'workflow' ? run.workflow_id : run.target;
}

/** The handler for a run: its exact name, else the kind's `"*"`. */
export function resolveHandler(module: HandlerModule, run: { kind: RunKind; target: string | null; workflow_id: string | null }): RunHandler | undefined {
  const handlers = module[run.kind];
  if (!handlers) return undefined;
  const name = handlerNameOf(run);
  const exact = name !== null && Object.hasOwn(handlers, name) ? handlers[name] : undefined;
  return exact ?? (Object.hasOwn(handlers, '*') ? handlers['*'] : undefined);
}
