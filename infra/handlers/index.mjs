// Example handler module for the Compose stack and the Kubernetes manifests (mounted at
// /handlers/index.mjs). Real deployments build their own image FROM the runq image with their
// handlers and their dependencies copied in; see README.md, "Deployment".
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });

export default {
  task: {
    // Waits config.seconds (default 1) and stops early when cancelled.
    sleep: async (run, ctx) => {
      const seconds = Number(run.config?.seconds ?? 1);
      await sleep(Math.max(0, seconds) * 1000, ctx.signal);
      return { output: { slept_seconds: seconds } };
    },
    '*': (run, ctx) => {
      ctx.log(`task ${run.target ?? ''} ran on attempt ${ctx.attempt}`);
      return { output: { target: run.target, config: run.config }, exit_code: 0 };
    },
  },
  workflow: { '*': (run) => ({ output: run.input }) },
  eval: { '*': (run) => ({ output: { target: run.target, input: run.input } }) },
  agent: {
    approve: (_run, ctx) => (ctx.resume ? { output: { approved: ctx.resume.data } } : ctx.wait('approval')),
    '*': (run) => ({ output: { echo: run.input } }),
  },
};
