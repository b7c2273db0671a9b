/**
 * Reads `read()` until `done` holds for what it returned, every `intervalMs`, for at most
 * `timeoutMs`; resolves with the last value read and whether `done` held. For state that lives
 * in Postgres or a queue, where there is nothing to subscribe to that would not also be under
 * test.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs: number; intervalMs: number },
): Promise<{ value: T; done: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return { value, done: true };
    if (Date.now() >= deadline) return { value, done: false };
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
