// The handler module of the bench's runq workers: one no-op task handler, so that every figure
// measures runq itself (claim, settle, queue) and not the work a handler does.
export default {
  task: {
    noop: () => ({ output: null }),
  },
};
