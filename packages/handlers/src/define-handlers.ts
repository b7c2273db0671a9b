import { validateHandlerModule, type HandlerModule } from './handler-module.js';

/**
 * Declares a handler module with full types for `run`, `ctx` and the return values, and
 * checks its shape at once (a misspelt kind or a handler that is not a function fails when
 * the module loads, with a message naming it). Export the result as the module's default.
 *
 * @example
 * import { defineHandlers } from '@runq/handlers';
 * export default defineHandlers({
 *   task: {
 *     'resize-image': async (run, ctx) => {
 *       ctx.log(`attempt ${ctx.attempt}`);
 *       return { output: { resized: run.config } };
 *     },
 *   },
 *   agent: { reviewer: (_run, ctx) => (ctx.resume ? { output: ctx.resume.data } : ctx.wait('approval')) },
 * });
 */
export function defineHandlers<const M extends HandlerModule>(handlers: M): M {
  validateHandlerModule(handlers, 'defineHandlers');
  return handlers;
}
