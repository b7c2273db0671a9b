// The handler module of the bench's runq workers: a no-op task handler, so that every figure
// measures runq itself (claim, settle, queue) and not the work a handler does; and a task that
// holds its slot for `config.ms` milliseconds, for scenarios that need the pool to be the bound.
export default {
  task: {
    noop: () => ({ output: null }),
    sleep: (run) => new Promise((resolve) => setTimeout(() => resolve({ output: null }), Number(run.config?.ms ?? 0))),
  },
};
