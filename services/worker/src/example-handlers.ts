import type { HandlerModule } from './handler-module.js';

/**
 * The handlers `runq start` runs when no module is given, so a first run completes at once:
 * every kind echoes what it was given. A task named `sleep` waits `config.seconds` (default 5)
 * and stops early when cancelled, to try cancellation; `approve` waits for an approval and
 * completes with the resume data.
 */
export const exampleHandlers: HandlerModule = {
  task: {
    sleep: async (run, ctx) => {
      const seconds = Number((run.config as { seconds?: unknown } | null)?.seconds ?? 5);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, Math.max(0, seconds) * 1000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
      return { output: { slept_seconds: seconds } };
    },
    approve: (_run, ctx) => (ctx.resume ? { output: { approved: ctx.resume.data } } : ctx.wait('approval')),
    '*': (run, ctx) => {
      ctx.log(`task ${run.target ?? ''} ran on attempt ${ctx.attempt}`);
      return { output: { target: run.target, config: run.config }, exit_code: 0 };
    },
  },
  workflow: { '*': (run) => ({ output: run.input }) },
  eval: { '*': (run) => ({ output: { target: run.target, input: run.input } }) },
  agent: { '*': (run) => ({ output: { agent_id: run.target, echo: run.input } }) },
};
